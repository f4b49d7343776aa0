using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Workflows.Bulk;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Balance;

/// <summary>
/// The cluster configuration (datacenter options, nodes in maintenance): a cluster singleton persisted in the journal.
/// Persist first, then publish the new state on <see cref="Topic"/>, then act (start or abort an evacuation through the
/// task router), then reply. After a restart it starts every recorded evacuation again: a start of a UPID that already
/// started is answered without starting it twice, so a crash between the flag and the start loses no evacuation.
/// </summary>
public sealed class ClusterConfigActor : ReceivePersistentActor
{
    public const string Topic = "cluster-config";
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator;
    private readonly IActorRef _tasks;
    private readonly IReadOnlySet<string> _nodes;
    private ClusterConfigState _state = ClusterConfigState.Empty;

    public override string PersistenceId => "cluster-config";

    /// <param name="mediator">DistributedPubSub's mediator (a probe in tests).</param>
    /// <param name="tasks">The member's task router: evacuations start and abort through it.</param>
    /// <param name="nodes">The cluster's nodes (a maintenance change of another node is refused).</param>
    public static Props Props(IActorRef mediator, IActorRef tasks, IReadOnlySet<string> nodes) =>
        Akka.Actor.Props.Create(() => new ClusterConfigActor(mediator, tasks, nodes));

    public ClusterConfigActor(IActorRef mediator, IActorRef tasks, IReadOnlySet<string> nodes)
    {
        _mediator = mediator;
        _tasks = tasks;
        _nodes = nodes;
        Recover<IClusterConfigEvent>(e => _state = ClusterConfigDecider.Apply(_state, e));
        Recover<UnreadableEvent>(u =>
            _log.Error("Cluster config: event {Seq} ({Manifest}) is unreadable and skipped: {Error}", LastSequenceNr, u.Manifest, u.Error));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var m in _state.Maintenance.Values) StartEvacuation(m);
        });
        Command<ClusterConfigRequest>(Handle);
        Command<GetClusterConfig>(_ => Sender.Tell(new ClusterConfigReply(_state, null)));
        // Answers of the task router to starts and aborts: the evacuation's own task log tells what happened.
        Command<TaskAcceptedReply>(_ => { });
        Command<TaskRejectedReply>(r => _log.Warning("Cluster config: evacuation {Upid} was refused: {Error}", r.Upid, r.Error));
        Command<TaskStatusReply>(_ => { });
    }

    private void Handle(ClusterConfigRequest request)
    {
        var before = _state;
        var (events, error) = ClusterConfigDecider.Decide(_state, request.Command, DateTimeOffset.UtcNow, _nodes);
        if (error is not null || events.Count == 0)
        {
            Sender.Tell(new ClusterConfigReply(_state, error));
            return;
        }
        var sender = Sender;
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = ClusterConfigDecider.Apply(_state, e);
            if (--left > 0) return;
            _log.Info("Cluster config: {Command} applied (version {Version})", request.Command.GetType().Name, _state.Version);
            _mediator.Tell(new Publish(Topic, new ClusterConfigChanged(_state)));
            Act(request.Command, before);
            sender.Tell(new ClusterConfigReply(_state, null));
        });
    }

    private void Act(IClusterConfigCommand command, ClusterConfigState before)
    {
        switch (command)
        {
            case EnableMaintenance c when _state.Maintenance.TryGetValue(c.Node, out var m):
                StartEvacuation(m);
                break;
            case DisableMaintenance c when before.Maintenance.TryGetValue(c.Node, out var was) && was.EvacuationUpid is { } upid:
                _tasks.Tell(new AbortTask(upid), Self);
                break;
        }
    }

    private void StartEvacuation(NodeMaintenance m)
    {
        if (m.EvacuationUpid is { } upid)
            _tasks.Tell(new StartTask(upid, new EvacuationRequest(m.Node, m.WithLocalDisks, m.User)), Self);
    }
}

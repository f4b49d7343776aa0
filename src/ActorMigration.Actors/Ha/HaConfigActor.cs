using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Ha;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Ha;

/// <summary>
/// The cluster's HA configuration (resources and groups): a cluster singleton persisted in the journal.
/// Persist first, then publish the new state on <see cref="Topic"/>, then reply with it. Follow-ups of tasks
/// (<see cref="HaFollowUpPlanned"/>) are watched here until their task ends, also after a restart on another member.
/// </summary>
public sealed class HaConfigActor : ReceivePersistentActor, IWithTimers
{
    public const string Topic = "ha-config";
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);
    // A task that does not exist this long after its follow-up was planned never started.
    private static readonly TimeSpan NeverStarted = TimeSpan.FromMinutes(2);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator;
    private readonly IActorRef _tasks;
    private readonly Dictionary<string, DateTime> _missingSince = [];
    private HaConfigState _state = HaConfigState.Empty;

    public override string PersistenceId => "ha-config";

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Poll;

    private sealed record PollFailed;

    /// <param name="mediator">DistributedPubSub's mediator (a probe in tests).</param>
    /// <param name="tasks">The member's task router, asked for the status of follow-up tasks.</param>
    public static Props Props(IActorRef mediator, IActorRef tasks) => Akka.Actor.Props.Create(() => new HaConfigActor(mediator, tasks));

    public HaConfigActor(IActorRef mediator, IActorRef tasks)
    {
        _mediator = mediator;
        _tasks = tasks;
        Recover<IHaConfigEvent>(e => _state = HaConfigDecider.Apply(_state, e));
        Recover<UnreadableEvent>(u =>
            _log.Error("HA config store: event {0} ({1}) is unreadable and skipped: {2}", LastSequenceNr, u.Manifest, u.Error));
        Recover<RecoveryCompleted>(_ => WatchFollowUps());
        Command<HaConfigRequest>(Handle);
        Command<GetHaConfig>(_ => Sender.Tell(new HaConfigReply(_state, null)));
        Command<Poll>(_ =>
        {
            foreach (var upid in _state.FollowUps.Keys)
                _tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), TimeSpan.FromSeconds(5)).PipeTo(Self, failure: _ => new PollFailed());
        });
        Command<TaskStatusReply>(Watched);
        // A status that did not come is asked again at the next poll.
        Command<PollFailed>(_ => { });
    }

    private void Handle(HaConfigRequest request)
    {
        var (events, error) = HaConfigDecider.Decide(_state, request.Command);
        if (error is not null || events.Count == 0)
        {
            Sender.Tell(new HaConfigReply(_state, error));
            return;
        }
        var sender = Sender;
        Write(events, request.Command.GetType().Name, () => sender.Tell(new HaConfigReply(_state, null)));
    }

    private void Write(IReadOnlyList<IHaConfigEvent> events, string what, Action then)
    {
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = HaConfigDecider.Apply(_state, e);
            if (--left > 0) return;
            _log.Info("HA config: {0} applied (version {1})", what, _state.Version);
            _mediator.Tell(new Publish(Topic, new HaConfigChanged(_state)));
            WatchFollowUps();
            then();
        });
    }

    private void WatchFollowUps()
    {
        if (_state.FollowUps.IsEmpty) Timers.Cancel("poll");
        else if (!Timers.IsTimerActive("poll")) Timers.StartPeriodicTimer("poll", new Poll(), PollEvery);
    }

    private void Watched(TaskStatusReply status)
    {
        if (!_state.FollowUps.ContainsKey(status.Upid)) return;
        bool ok;
        if (status.Exists && !status.Running)
            ok = Domain.Tasks.TaskLog.IsOk(status.ExitStatus);
        else if (!status.Exists && status.ExitStatus is not null) ok = false;
        else if (!status.Exists && DateTime.UtcNow - _missingSince.GetValueOrDefault(status.Upid, DateTime.UtcNow) > NeverStarted) ok = false;
        else
        {
            if (!status.Exists) _missingSince.TryAdd(status.Upid, DateTime.UtcNow);
            return;
        }
        _missingSince.Remove(status.Upid);
        var (events, dropped) = HaConfigDecider.EndFollowUp(_state, status.Upid, ok);
        if (dropped is not null) _log.Warning("HA config: the change after task {0} is dropped: {1}", status.Upid, dropped);
        if (events.Count > 0) Write(events, $"follow-up of {status.Upid} (task ended {(ok ? "OK" : "not OK")})", () => { });
    }
}

using ActorMigration.Actors.Persistence;
using ActorMigration.Domain.Ha;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Ha;

/// <summary>
/// The cluster's HA configuration (resources and groups): a cluster singleton persisted in the journal.
/// Persist first, then publish the new state on <see cref="Topic"/>, then reply with it.
/// </summary>
public sealed class HaConfigActor : ReceivePersistentActor
{
    public const string Topic = "ha-config";
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator;
    private HaConfigState _state = HaConfigState.Empty;

    public override string PersistenceId => "ha-config";

    /// <param name="mediator">DistributedPubSub's mediator (a probe in tests).</param>
    public static Props Props(IActorRef mediator) => Akka.Actor.Props.Create(() => new HaConfigActor(mediator));

    public HaConfigActor(IActorRef mediator)
    {
        _mediator = mediator;
        Recover<IHaConfigEvent>(e => _state = HaConfigDecider.Apply(_state, e));
        Recover<UnreadableEvent>(u =>
            _log.Error("HA config store: event {0} ({1}) is unreadable and skipped: {2}", LastSequenceNr, u.Manifest, u.Error));
        Command<HaConfigRequest>(Handle);
        Command<GetHaConfig>(_ => Sender.Tell(new HaConfigReply(_state, null)));
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
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = HaConfigDecider.Apply(_state, e);
            if (--left > 0) return;
            _log.Info("HA config: {0} applied (version {1})", request.Command.GetType().Name, _state.Version);
            _mediator.Tell(new Publish(Topic, new HaConfigChanged(_state)));
            sender.Tell(new HaConfigReply(_state, null));
        });
    }
}

using System.Security.Cryptography;
using ActorMigration.Actors.Persistence;
using ActorMigration.Domain.Access;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Access;

/// <summary>
/// The cluster's access configuration (users, tokens, ACL, ticket key): a cluster singleton persisted in the journal.
/// Persist first, then publish the new state to every member, then reply with it.
/// </summary>
public sealed class AccessActor : ReceivePersistentActor
{
    public const string Topic = "access";
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator;
    private AccessState _state = AccessState.Empty;

    public override string PersistenceId => "access";

    /// <param name="mediator">DistributedPubSub's mediator (a probe in tests).</param>
    public static Props Props(IActorRef mediator) => Akka.Actor.Props.Create(() => new AccessActor(mediator));

    public AccessActor(IActorRef mediator)
    {
        _mediator = mediator;
        Recover<IAccessEvent>(e => _state = AccessDecider.Apply(_state, e));
        Recover<UnreadableEvent>(u => _log.Error("Access store: event {0} ({1}) is unreadable and skipped: {2}", LastSequenceNr, u.Manifest, u.Error));
        Recover<RecoveryCompleted>(_ =>
        {
            // The ticket key is made once per cluster; every member verifies tickets with it.
            // Persisting here comes before any command: they are stashed until it is written.
            if (_state.TicketKey is null)
                Persist(new TicketKeySet(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))), e =>
                {
                    _state = AccessDecider.Apply(_state, e);
                    Publish();
                });
            else Publish();
        });
        Command<AccessRequest>(Handle);
        Command<GetAccessState>(_ => Sender.Tell(new AccessReply(_state, null)));
    }

    private void Handle(AccessRequest request)
    {
        var (events, error) = AccessDecider.Decide(_state, request.Command);
        if (error is not null || events.Count == 0)
        {
            Sender.Tell(new AccessReply(_state, error));
            return;
        }
        var sender = Sender;
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = AccessDecider.Apply(_state, e);
            if (--left > 0) return;
            Publish();
            sender.Tell(new AccessReply(_state, null));
        });
    }

    private void Publish() => _mediator.Tell(new Publish(Topic, new AccessChanged(_state)));
}

/// <summary>
/// Keeps this member's <see cref="AccessView"/> current: subscribed to the store's topic, and reading the whole
/// state from the singleton until it has one, then now and then (a missed publication heals itself).
/// </summary>
public sealed class AccessReplicaActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(500);
    // Short: a publication right after a member joins can miss its not yet gossiped subscription.
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(3);
    private readonly AccessView _view;
    private readonly IActorRef _store;
    private readonly IActorRef _mediator;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AccessView view, IActorRef store, IActorRef mediator) =>
        Akka.Actor.Props.Create(() => new AccessReplicaActor(view, store, mediator));

    private sealed record Poll;

    public AccessReplicaActor(AccessView view, IActorRef store, IActorRef mediator)
    {
        _view = view;
        _store = store;
        _mediator = mediator;
        Receive<AccessChanged>(c => _view.Offer(c.State));
        Receive<AccessReply>(r => _view.Offer(r.State));
        Receive<SubscribeAck>(_ => { });
        Receive<Poll>(_ =>
        {
            _store.Tell(new GetAccessState());
            Timers.StartSingleTimer("poll", new Poll(), _view.Loaded ? Refresh : Retry);
        });
    }

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(AccessActor.Topic, Self));
        Self.Tell(new Poll());
    }
}

using ActorMigration.Actors.Balance;
using ActorMigration.Actors.Metrics;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Scheduling;

/// <summary>How often the queue looks for entries whose task ended without giving its slot back, and when.</summary>
public sealed record MigrationQueueTimings(TimeSpan ReconcileEvery, TimeSpan CheckGrantedAfter, TimeSpan CheckQueuedAfter)
{
    public static readonly MigrationQueueTimings Default = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
}

/// <summary>
/// The durable migration queue: a cluster singleton that grants slots (<see cref="MigrationQueue"/> decides), never
/// starts a migration. Persist first, then answer. The limits and maintenance flags come from the cluster configuration
/// (asked at start, then followed on its topic); until it is known nothing is granted. The first ask of a migration that
/// has to wait is answered at once with its position; a later one is parked and answered on its grant or refusal, or
/// after its wait (at most <see cref="MaxPark"/>). A reconcile tick
/// releases the entries of tasks that ended without giving their slot back.
/// </summary>
public sealed class MigrationQueueActor : ReceivePersistentActor, IWithTimers
{
    public const string Name = "migration-queue";
    public static readonly TimeSpan MaxPark = TimeSpan.FromSeconds(2);
    private const int SnapshotEvery = 200;
    private static readonly MigrationLimits NoGrants = new(0, 0, null);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator;
    private readonly IActorRef _config;
    private readonly IActorRef _tasks;
    private readonly MigrationQueueTimings _timings;
    private readonly Dictionary<string, List<(IActorRef To, long Id)>> _parked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _checking = new(StringComparer.Ordinal);
    private MigrationQueueState _state = MigrationQueueState.Empty;
    private ClusterConfigState? _cluster;
    private long _parkIds;
    private readonly QueueMetrics _metrics = MemberMetrics.Get(Context.System).Queue;

    public override string PersistenceId => Name;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="mediator">DistributedPubSub's mediator (topic <see cref="ClusterConfigActor.Topic"/>).</param>
    /// <param name="config">The cluster configuration store (asked for the limits at start).</param>
    /// <param name="tasks">The task router: the reconcile tick asks it whether a task still runs.</param>
    public static Props Props(IActorRef mediator, IActorRef config, IActorRef tasks, MigrationQueueTimings? timings = null) =>
        Akka.Actor.Props.Create(() => new MigrationQueueActor(mediator, config, tasks, timings ?? MigrationQueueTimings.Default));

    public MigrationQueueActor(IActorRef mediator, IActorRef config, IActorRef tasks, MigrationQueueTimings timings)
    {
        _mediator = mediator;
        _config = config;
        _tasks = tasks;
        _timings = timings;
        Recover<IQueueEvent>(e => _state = MigrationQueue.Apply(_state, e));
        Recover<SnapshotOffer>(o =>
        {
            // A decoded dictionary has the default comparer: back to ordinal, as the domain builds them.
            if (o.Snapshot is MigrationQueueState s)
                _state = s with { Queued = s.Queued.WithComparers(StringComparer.Ordinal), Running = s.Running.WithComparers(StringComparer.Ordinal) };
        });
        Recover<UnreadableEvent>(u =>
            _log.Error("Migration queue: event {Seq} ({Manifest}) is unreadable and skipped: {Error}", LastSequenceNr, u.Manifest, u.Error));
        Recover<RecoveryCompleted>(_ =>
        {
            _log.Info("Migration queue recovered: {Running} running, {Queued} queued", _state.Running.Count, _state.Queued.Count);
            _metrics.Set(_state.Running.Count, _state.Queued.Count);
            _mediator.Tell(new Subscribe(ClusterConfigActor.Topic, Self));
            _config.Tell(new GetClusterConfig());
            Timers.StartPeriodicTimer("tick", Tick.Instance, _timings.ReconcileEvery);
        });
        Command<AskSlot>(OnAsk);
        Command<GiveBackSlot>(g =>
        {
            var sender = Sender;
            Run(new ReleaseSlot(g.Upid, g.Why), _ => sender.Tell(new SlotGivenBack(g.Upid)));
        });
        Command<GetMigrationQueue>(_ => Sender.Tell(View()));
        Command<ClusterConfigReply>(r => OnConfig(r.State));
        Command<ClusterConfigChanged>(c => OnConfig(c.State));
        Command<SubscribeAck>(_ => { });
        Command<ParkExpired>(OnParkExpired);
        Command<Tick>(_ => OnTick());
        Command<TaskChecked>(c =>
        {
            _checking.Remove(c.Upid);
            if (c.Running || !_state.Knows(c.Upid)) return;
            _log.Warning("Migration queue: task {Upid} ended without giving its slot back; released", c.Upid);
            Run(new ReleaseSlot(c.Upid, "task ended"));
        });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Migration queue: snapshot failed: {Error}", f.Cause.Message));
    }

    private void OnAsk(AskSlot a)
    {
        var sender = Sender;
        if (_state.Running.ContainsKey(a.Upid))
        {
            sender.Tell(new SlotReply(true, 0, null));
            return;
        }
        if (_state.Queued.ContainsKey(a.Upid))
        {
            Park(a.Upid, sender, a.MaxWait);
            return;
        }
        Run(new RequestSlot(a.Upid, a.VmId, a.Source, a.Target, a.Slot), events =>
        {
            // The first answer of a queued migration comes at once, with its position: its task shows it from then on.
            if (_state.Running.ContainsKey(a.Upid)) sender.Tell(new SlotReply(true, 0, null));
            else if (MigrationQueue.Ahead(_state, a.Upid) is { } ahead) sender.Tell(new SlotReply(false, ahead, null));
            else sender.Tell(new SlotReply(false, 0, events.OfType<SlotReleased>().FirstOrDefault(r => r.Upid == a.Upid)?.Why ?? "released"));
        });
    }

    /// <summary>Decides with the known configuration (no grants while it is unknown), persists, answers parked polls.</summary>
    private void Run(IQueueCommand command, Action<IReadOnlyList<IQueueEvent>>? after = null)
    {
        var now = DateTimeOffset.UtcNow;
        var events = _cluster is { } c
            ? MigrationQueue.Decide(_state, command, c, now)
            : MigrationQueue.Decide(_state, command, NoGrants, now);
        if (events.Count == 0)
        {
            after?.Invoke(events);
            return;
        }
        PersistAll(events, e =>
        {
            _state = MigrationQueue.Apply(_state, e);
            switch (e)
            {
                case SlotGranted g:
                    _log.Info("Migration queue: {Upid} granted", g.Upid);
                    Answer(g.Upid, new SlotReply(true, 0, null));
                    break;
                case SlotReleased r:
                    Answer(r.Upid, new SlotReply(false, 0, r.Why));
                    break;
            }
        });
        DeferAsync(events, _ =>
        {
            _metrics.Set(_state.Running.Count, _state.Queued.Count);
            if (LastSequenceNr % SnapshotEvery < events.Count) SaveSnapshot(_state);
            after?.Invoke(events);
        });
    }

    private void OnConfig(ClusterConfigState config)
    {
        if (_cluster is { } known && known.Version > config.Version) return;
        var first = _cluster is null;
        _cluster = config;
        if (first) _log.Info("Migration queue: limits {Limits}", config.Options.EffectiveLimits);
        Run(new Regrant());
    }

    private void Park(string upid, IActorRef to, TimeSpan wait)
    {
        var id = ++_parkIds;
        if (!_parked.TryGetValue(upid, out var list)) _parked[upid] = list = [];
        list.Add((to, id));
        Timers.StartSingleTimer("park-" + id, new ParkExpired(upid, id), wait > MaxPark ? MaxPark : wait);
    }

    private void OnParkExpired(ParkExpired p)
    {
        if (!_parked.TryGetValue(p.Upid, out var list)) return;
        var i = list.FindIndex(x => x.Id == p.Id);
        if (i < 0) return;
        var to = list[i].To;
        list.RemoveAt(i);
        Timers.Cancel("park-" + p.Id);
        if (list.Count == 0) _parked.Remove(p.Upid);
        to.Tell(_state.Running.ContainsKey(p.Upid)
            ? new SlotReply(true, 0, null)
            : new SlotReply(false, MigrationQueue.Ahead(_state, p.Upid) ?? 0, _state.Knows(p.Upid) ? null : "released"));
    }

    private void Answer(string upid, SlotReply reply)
    {
        if (!_parked.Remove(upid, out var list)) return;
        foreach (var (to, id) in list)
        {
            Timers.Cancel("park-" + id);
            to.Tell(reply);
        }
    }

    /// <summary>Asks about entries granted (or queued) long ago whose task may have ended without giving the slot back.</summary>
    private void OnTick()
    {
        if (_cluster is null) _config.Tell(new GetClusterConfig());
        var now = DateTimeOffset.UtcNow;
        var stale = _state.Running.Values.Where(e => now - e.Since >= _timings.CheckGrantedAfter)
            .Concat(_state.Queued.Values.Where(e => now - e.Since >= _timings.CheckQueuedAfter));
        foreach (var e in stale.Where(e => _checking.Add(e.Upid)))
        {
            var upid = e.Upid;
            _tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), TimeSpan.FromSeconds(5))
                .PipeTo(Self, success: r => new TaskChecked(upid, r.Running), failure: _ => new TaskChecked(upid, true));
        }
    }

    protected override void PostStop()
    {
        _metrics.Clear();
        base.PostStop();
    }

    private MigrationQueueView View() =>
        new(_cluster?.Options.EffectiveLimits, _state.Running.Values.OrderBy(e => e.Since).ThenBy(e => e.Seq).ToList(),
            MigrationQueue.Order(_state).Select((e, i) => new QueuedMigration(e, i)).ToList());

    private sealed record ParkExpired(string Upid, long Id);

    private sealed record TaskChecked(string Upid, bool Running);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}

using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Ha;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Ha;

/// <summary>
/// The HA manager (Proxmox's CRM): a persistent cluster singleton. Every second it gathers what the cluster shows
/// (<see cref="HaObserver"/>), decides with the pure <see cref="HaManager"/>, persists, then starts the planned
/// <c>ha-recovery</c> tasks. After a restart on another member it sends the planned tasks again (a start is idempotent).
/// </summary>
public sealed class HaManagerActor : ReceivePersistentActor, IWithTimers
{
    public static readonly TimeSpan TickEvery = TimeSpan.FromSeconds(1);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IHaObserver _observer;
    private readonly IActorRef _tasks;
    private readonly Dictionary<string, HaRecoveryPlanned> _planned = [];
    private readonly HashSet<string> _waitingLease = [];
    private HaManagerState _state = HaManagerState.Empty;
    private bool _gathering;

    public override string PersistenceId => "ha-manager";

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Tick;

    private sealed record GatherFailed(Exception Error);

    public static Props Props(IHaObserver observer, IActorRef tasks) => Akka.Actor.Props.Create(() => new HaManagerActor(observer, tasks));

    public HaManagerActor(IHaObserver observer, IActorRef tasks)
    {
        (_observer, _tasks) = (observer, tasks);
        Recover<IHaManagerEvent>(Applied);
        Recover<UnreadableEvent>(u =>
            _log.Error("HA manager: event {0} ({1}) is unreadable and skipped: {2}", LastSequenceNr, u.Manifest, u.Error));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var p in Running()) StartTask(p);
            Timers.StartPeriodicTimer("tick", new Tick(), TickEvery);
        });
        Command<Tick>(_ =>
        {
            if (_gathering) return;
            _gathering = true;
            _observer.GatherAsync(_state, Running().Select(p => p.Upid).ToList())
                .PipeTo(Self, failure: e => new GatherFailed(e));
        });
        Command<HaObserved>(Decide);
        Command<GatherFailed>(f =>
        {
            _gathering = false;
            _log.Warning("HA manager: could not read the cluster's state: {0}", f.Error.GetBaseException().Message);
        });
        Command<GetHaManagerState>(_ => Sender.Tell(new HaManagerStateReply(_state)));
        Command<TaskAcceptedReply>(_ => { });
        Command<TaskRejectedReply>(r => _log.Warning("HA manager: recovery task {0} refused: {1}", r.Upid, r.Error));
    }

    private IEnumerable<HaRecoveryPlanned> Running() =>
        _state.Services.Values.Where(s => s.State == HaManagerState.Recovery && s.Upid is not null && _planned.ContainsKey(s.Upid))
            .Select(s => _planned[s.Upid!]);

    private void Decide(HaObserved observed)
    {
        _gathering = false;
        if (observed.Observation is not { } o) return; // this member may not act (no majority)
        foreach (var upid in observed.Missing)
            if (_planned.TryGetValue(upid, out var lost)) StartTask(lost);
        WarnUnguarded(o);
        var events = HaManager.Decide(_state, o);
        if (events.Count == 0) return;
        PersistAll(events, e =>
        {
            Applied(e);
            Report(e);
            if (e is HaRecoveryPlanned p) StartTask(p);
        });
    }

    private void Applied(IHaManagerEvent e)
    {
        _state = HaManager.Apply(_state, e);
        if (e is HaRecoveryPlanned p) _planned[p.Upid] = p;
        if (e is HaRecoveryEnded x) _planned.Remove(x.Upid);
    }

    private void StartTask(HaRecoveryPlanned p) => _tasks.Tell(new StartTask(p.Upid, HaManager.RequestOf(p)), Self);

    private void Report(IHaManagerEvent e)
    {
        switch (e)
        {
            case HaNodeStateChanged c:
                _log.Warning("HA manager: node {0} is now {1}", c.Node, c.State);
                break;
            case HaRecoveryPlanned p:
                _log.Warning("HA manager: {0} of {1} from {2} to {3} as task {4}", p.Kind, p.Sid, p.From, p.To, p.Upid);
                break;
            case HaRecoveryEnded x:
                _log.Info("HA manager: recovery {0} of {1} ended {2}", x.Upid, x.Sid, x.Error ?? "OK");
                break;
            case HaServiceFailed f:
                _log.Error("HA manager: {0}", f.Reason);
                break;
        }
    }

    /// <summary>A node in fence whose lease no member holds is never fenced: say so once.</summary>
    private void WarnUnguarded(Domain.Ha.HaObservation o)
    {
        foreach (var (node, f) in _state.Nodes)
        {
            var unguarded = f.State == HaManagerState.Fence && o.Nodes.TryGetValue(node, out var n) && n.Lease == HaLease.NotHeld;
            if (unguarded && _waitingLease.Add(node))
                _log.Error("HA manager: node {0} holds no lease (no watchdog guards it): its services are not recovered until it returns", node);
            else if (!unguarded) _waitingLease.Remove(node);
        }
    }
}

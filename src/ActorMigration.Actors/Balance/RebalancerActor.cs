using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Workflows.Migration;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Balance;

/// <summary>
/// The rebalancer (design15 §4.3): a persistent cluster singleton. It samples usage, plans with the pure
/// <see cref="RebalancePlanner"/> (on request, or every <c>interval</c> in auto mode), persists the plan with its UPIDs,
/// then starts its migrations (lowest queue class); it records each move's end. After a restart it re-sends exactly the
/// unended moves (a start of an existing UPID is answered without starting again). It acts only with a majority, and
/// saves a snapshot (<c>rb.state</c>) each time a plan ends.
/// </summary>
public sealed class RebalancerActor : ReceivePersistentActor, IWithTimers
{
    public static readonly TimeSpan TickEvery = TimeSpan.FromSeconds(1);
    public const string AutoUser = "root@pam";
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IRebalanceObserver _observer;
    private readonly IActorRef _tasks;
    private RebalancerState _state = RebalancerState.Empty;
    private bool _busy;
    private DateTimeOffset _lastSample = DateTimeOffset.MinValue;
    private DateTimeOffset _lastAuto;

    public override string PersistenceId => "rebalancer";

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Tick;

    private sealed record Ticked(RebalanceTasks? Tasks, RebalancePlan? Auto, Exception? Error);

    /// <summary>A plan made for a request, to persist and start (the digest matched), answered to <paramref name="ReplyTo"/>.</summary>
    private sealed record Planned(RebalancePlan Plan, string User, IActorRef ReplyTo);

    public static Props Props(IRebalanceObserver observer, IActorRef tasks) => Akka.Actor.Props.Create(() => new RebalancerActor(observer, tasks));

    public RebalancerActor(IRebalanceObserver observer, IActorRef tasks)
    {
        (_observer, _tasks) = (observer, tasks);
        _lastAuto = observer.Now;
        Recover<IRebalancerEvent>(e => _state = Rebalancer.Apply(_state, e));
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is RebalancerState s) _state = s;
        });
        Recover<UnreadableEvent>(u => _log.Error("Rebalancer: event {SequenceNr} ({Manifest}) is unreadable and skipped: {Error}", LastSequenceNr, u.Manifest,
            u.Error));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var m in Rebalancer.ToStart(_state)) Start(m);
            Timers.StartPeriodicTimer("tick", new Tick(), TickEvery);
        });
        Command<Tick>(_ => OnTick());
        Command<Ticked>(OnTicked);
        Command<GetRebalancer>(_ => Sender.Tell(new RebalancerStatusReply(_state)));
        Command<SetRebalancerOptions>(c => Handle(new SetRebalanceOptions(c.Options), Sender, () => new RebalancerStatusReply(_state)));
        Command<PlanRebalance>(c => DryRun(c));
        Command<ApplyRebalance>(c => PlanToApply(c));
        Command<Planned>(p => Handle(new PersistRebalancePlan(p.Plan, "manual", p.User, _observer.Now), p.ReplyTo,
            () => new RebalanceApplied(Rebalancer.ToStart(_state).Select(m => m.Upid).ToList())));
        Command<TaskAcceptedReply>(_ => { });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Rebalancer: snapshot failed: {Error}", f.Cause.Message));
        Command<TaskRejectedReply>(r => _log.Warning("Rebalancer: move {Upid} refused: {Error}", r.Upid, r.Error));
    }

    /// <summary>Decides, persists, applies, starts what a new plan holds, then answers <paramref name="replyTo"/>.</summary>
    private void Handle(IRebalancerInput input, IActorRef? replyTo, Func<IRebalancerMessage>? reply) => Handle([input], replyTo, reply);

    /// <summary>Several inputs at once: each is decided on the state the earlier ones' events make (persisting is asynchronous).</summary>
    private void Handle(IReadOnlyList<IRebalancerInput> inputs, IActorRef? replyTo, Func<IRebalancerMessage>? reply)
    {
        var (scratch, events) = (_state, new List<IRebalancerEvent>());
        foreach (var input in inputs)
        {
            var (decided, error) = Rebalancer.Decide(scratch, input);
            if (error is not null)
            {
                replyTo?.Tell(new RebalanceRefused(error));
                return;
            }
            foreach (var e in decided) scratch = Rebalancer.Apply(scratch, e);
            events.AddRange(decided);
        }
        if (events.Count == 0)
        {
            replyTo?.Tell(reply?.Invoke() ?? new RebalanceApplied([]));
            return;
        }
        var last = events[^1];
        PersistAll(events, e =>
        {
            _state = Rebalancer.Apply(_state, e);
            Report(e);
            if (e is RebalancePlanned p) foreach (var m in p.Plan.Moves) Start(m);
            if (e is RebalancePlanEnded) SaveSnapshot(_state); // a recovery then reads one snapshot, not every plan's events
            if (ReferenceEquals(e, last) && replyTo is not null && reply is not null) replyTo.Tell(reply());
        });
    }

    private void Start(RebalanceMove m)
    {
        var request = new MigrationRequest(m.VmId, m.From, m.To, true, _state.Options.WithLocalDisks, null, null, false, false,
            Domain.Tasks.Upid.TryParse(m.Upid, out var u) ? u!.User : AutoUser);
        _tasks.Tell(new StartTask(m.Upid, new MigrationOrder(request, new MigrationSlot(SlotClasses.Rebalance))), Self);
    }

    private void OnTick()
    {
        if (_busy) return;
        var now = _observer.Now;
        var opt = _state.Options;
        var unended = Rebalancer.ToStart(_state).Select(m => m.Upid).ToList();
        var sample = opt.Mode != RebalanceModes.Off && now - _lastSample >= TimeSpan.FromSeconds(opt.SampleInterval);
        var auto = opt.Mode == RebalanceModes.Auto && _state.Active is null && now - _lastAuto >= TimeSpan.FromSeconds(opt.Interval);
        if (unended.Count == 0 && !sample && !auto) return;
        if (!_observer.MayAct()) return;
        _busy = true;
        if (sample) _lastSample = now;
        if (auto) _lastAuto = now;
        var state = _state;
        TickAsync(state, unended, sample, auto).PipeTo(Self, failure: e => new Ticked(null, null, e));
    }

    private async Task<Ticked> TickAsync(RebalancerState state, IReadOnlyList<string> unended, bool sample, bool auto)
    {
        var tasks = unended.Count > 0 ? await _observer.TasksAsync(unended) : null;
        if (sample) await _observer.SampleAsync(state.Options);
        var plan = auto ? RebalancePlanner.Plan(await _observer.ObserveAsync(state), state.Options, _observer.Now) : null;
        return new Ticked(tasks, plan, null);
    }

    private void OnTicked(Ticked t)
    {
        _busy = false;
        if (t.Error is not null) _log.Warning("Rebalancer: could not read the cluster's state: {Error}", t.Error.GetBaseException().Message);
        if (t.Tasks is { } tasks)
        {
            foreach (var m in Rebalancer.ToStart(_state).Where(m => tasks.Missing.Contains(m.Upid))) Start(m);
            Handle(tasks.Ended.Select(kv => (IRebalancerInput)new RebalanceTaskEnded(kv.Key, kv.Value, _observer.Now)).ToList(), null, null);
        }
        if (t.Auto is { Moves.Count: > 0 } plan && _state.Active is null && _state.Options.Mode == RebalanceModes.Auto)
            Handle(new PersistRebalancePlan(plan, "auto", AutoUser, _observer.Now), null, null);
    }

    private void DryRun(PlanRebalance c)
    {
        if (_state.Options.Mode == RebalanceModes.Off)
        {
            Sender.Tell(new RebalanceRefused(OffError));
            return;
        }
        var (state, replyTo) = (_state, Sender);
        Plan(state, c.MaxMoves).PipeTo(replyTo, success: r => r, failure: e => new RebalanceRefused(e.GetBaseException().Message));
    }

    private void PlanToApply(ApplyRebalance c)
    {
        var refused = _state.Active is { } a ? $"rebalance plan {a.Plan.PlanId} is still running"
            : _state.Options.Mode == RebalanceModes.Off ? OffError : null;
        if (refused is not null)
        {
            Sender.Tell(new RebalanceRefused(refused));
            return;
        }
        var (state, replyTo, self) = (_state, Sender, Self);
        Plan(state, null).ContinueWith(t =>
        {
            if (t.IsFaulted) replyTo.Tell(new RebalanceRefused(t.Exception!.GetBaseException().Message));
            else if (c.Digest is { } d && !string.Equals(d, t.Result.Digest, StringComparison.OrdinalIgnoreCase))
                replyTo.Tell(new RebalanceRefused(DigestError));
            else self.Tell(new Planned(t.Result.Plan, c.User, replyTo));
        }, TaskScheduler.Default);
    }

    private async Task<RebalanceDryRun> Plan(RebalancerState state, int? maxMoves)
    {
        var o = await _observer.ObserveAsync(state);
        var plan = RebalancePlanner.Plan(o, state.Options, _observer.Now, maxMoves);
        return RebalanceDigest.DryRun(o, plan, state.Options);
    }

    public const string OffError = "rebalancer is off (mode=off)";
    public const string DigestError = "detected modified configuration - file changed by other user? Try again.";

    private void Report(IRebalancerEvent e)
    {
        switch (e)
        {
            case RebalancePlanned p:
                _log.Warning("Rebalancer: plan {PlanId} ({Trigger}, by {User}): {Moves} moves, score {ScoreBefore:0.000} -> {ScoreAfter:0.000}",
                    p.Plan.PlanId, p.Plan.Trigger, p.Plan.User, p.Plan.Moves.Count, p.Plan.ScoreBefore, p.Plan.ScoreAfter);
                break;
            case RebalanceMoveEnded m:
                _log.Info("Rebalancer: plan {PlanId} move {Seq} ({Upid}) ended {ExitStatus}", m.PlanId, m.Seq, m.Upid, m.ExitStatus);
                break;
            case RebalancePlanEnded x:
                _log.Info("Rebalancer: plan {PlanId} ended {Status}", x.PlanId, x.Status);
                break;
        }
    }
}

using ActorMigration.Actors.Metrics;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Domain.Workflows;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Workflows;

/// <summary>
/// Runs a pure <see cref="WorkflowMachine{TState}"/>: persist the decided events first, then run the next
/// step, then reply. After recovery it simply runs the next step again; steps are idempotent.
/// </summary>
public abstract class WorkflowActor<TState> : ReceivePersistentActor, IWithTimers where TState : class, IWorkflowState<TState>
{
    private const int SnapshotEvery = 200;
    private readonly WorkflowMachine<TState> _machine;
    private readonly StepRunner _runner;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TState _state;
    private IActorRef? _starter;
    private WorkflowStep? _inflight;
    private int _seq;
    private long _lastTaggedSeq; // -1: unknown (recovered from a snapshot that came after it)
    private readonly List<IWorkflowEvent> _unwritten = new(); // applied, written with the next write
    private readonly WorkflowMeter _meter;

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    protected TState State => _state;

    protected WorkflowActor(string persistenceIdPrefix, string upid, WorkflowMachine<TState> machine, StepRunner runner)
    {
        PersistenceId = persistenceIdPrefix + upid;
        _machine = machine;
        _runner = runner;
        _state = machine.Initial(upid);
        _meter = new WorkflowMeter(MemberMetrics.Get(Context.System).Workflows, persistenceIdPrefix.TrimEnd('-'), upid);

        Recover<IWorkflowEvent>(e =>
        {
            _state = _machine.Apply(_state, e);
            if (EventTagger.TagOf(e) is not null) _lastTaggedSeq = LastSequenceNr;
        });
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is not TState s) return;
            _state = s;
            _lastTaggedSeq = -1;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            if (_state.Core.IsRunning)
                _log.Info("Workflow {0} recovered in phase {1}; resuming", _state.Core.Upid, Phase(_state));
            Self.Tell(new WakeTask(_state.Core.Upid));
        });

        Command<StartTask>(OnStart);
        Command<WakeTask>(_ => AfterChange());
        Command<RunStep>(r =>
        {
            if (r.Seq != _seq || _inflight is null) return;
            var self = Self;
            var seq = r.Seq;
            var attempt = _state.Core.AttemptsOf(r.Step.Key) + 1;
            _meter.StepDispatched();
            _runner.Run(r.Step, _state.Core.Upid, self, attempt).ContinueWith(t => t.IsCompletedSuccessfully
                ? new StepOutcome(seq, r.Step, t.Result, null, false)
                : Failure(seq, r.Step, t.Exception!)).PipeTo(self);
        });
        Command<StepOutcome>(o =>
        {
            if (o.Seq != _seq || _inflight is null) return;
            _inflight = null;
            _meter.StepEnded(o.Step);
            var now = DateTimeOffset.UtcNow;
            if (o.Error is null)
            {
                Observed(_state, o.Result);
                Handle(new StepSucceeded(o.Step, o.Result!, now));
            }
            else
            {
                _log.Warning("Workflow {0}: step {1} failed: {2}", _state.Core.Upid, o.Step.Key, o.Error);
                Handle(new StepFailedInput(o.Step, o.Error, o.Final, now, o.Offline));
            }
        });
        Command<CheckNodes>(_ => CheckNodesOnline());
        Command<NodeCopyProgress>(p =>
        {
            if (_inflight is not null)
                Handle(new StepProgressed(_inflight, new CopyProgressed(p.DoneBytes, p.TotalBytes), DateTimeOffset.UtcNow));
        });
        Command<AbortTask>(_ =>
        {
            Handle(new AbortRequested(DateTimeOffset.UtcNow));
            Sender.Tell(StatusReply());
        });
        Command<GetTaskStatus>(_ =>
        {
            Sender.Tell(StatusReply());
            PassivateIfUnknown();
        });
        Command<GetTaskLog>(q =>
        {
            var log = _state.Core.Log;
            var start = Math.Min(Math.Max(0, q.Start), log.Count);
            var count = q.Limit <= 0 ? log.Count - start : Math.Min(q.Limit, log.Count - start);
            Sender.Tell(new TaskLogReply(_state.Core.Started, log.GetRange(start, count), log.Count));
            PassivateIfUnknown();
        });
        // Events stay in the journal after a snapshot: the read model and the wake-up after a restart read them by tag.
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot of {0} failed: {1}", PersistenceId, f.Cause.Message));
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    /// <summary>Sees the state after each change and each step's result before it is handled (metrics).</summary>
    protected virtual void Observed(TState state, StepResult? result)
    {
    }

    protected override void PostStop()
    {
        _meter.Stopped();
        base.PostStop();
    }

    /// <summary>The phase shown in task status.</summary>
    protected abstract string Phase(TState state);

    /// <summary>The nodes whose loss before the point of no return rolls the workflow back, whatever step runs.</summary>
    protected virtual IReadOnlyList<string> NodesOf(TState state) => [];

    /// <summary>How often a running step's workflow looks whether one of its nodes has gone offline.</summary>
    public static readonly TimeSpan NodesCheckEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Before the point of no return, a node of the workflow that no Up member hosts any more (declared down) fails the
    /// step in flight as if it had asked that node, even when it asks another one (a precopy poll on the source while
    /// the target is gone): the workflow rolls back at once instead of after the step. The step's late answer is ignored.
    /// </summary>
    private void CheckNodesOnline()
    {
        var core = _state.Core;
        if (_inflight is not { } step || !core.IsRunning || core.RollingBack || core.PastPointOfNoReturn) return;
        if (_runner.NodeGone is not { } isGone || NodesOf(_state).FirstOrDefault(isGone) is not { } gone) return;
        _log.Warning("Workflow {Upid}: node {Node} went offline during step {Step}", core.Upid, gone, step.Key);
        _seq++;
        _inflight = null;
        Handle(new StepFailedInput(step, NodeOfflineException.MessageFor(gone), true, DateTimeOffset.UtcNow, NodeOffline: true));
    }

    private sealed class CheckNodes
    {
        public static readonly CheckNodes Instance = new();
    }

    /// <summary>A command the machine takes now is decided like any input; else the reply names the refusal.</summary>
    protected WorkflowCommandReply TryCommand(object command)
    {
        var upid = _state.Core.Upid;
        if (!_state.Core.Started)
        {
            PassivateIfUnknown();
            return new WorkflowCommandReply(upid, $"no such task '{upid}'");
        }
        if (_machine.Refusal(_state, command) is { } why) return new WorkflowCommandReply(upid, why);
        Handle(new CommandRequested(command, DateTimeOffset.UtcNow));
        return new WorkflowCommandReply(upid, null);
    }

    private void OnStart(StartTask start)
    {
        if (_state.Core.Started)
        {
            Reply(Sender);
            return;
        }
        _starter = Sender;
        _meter.Started();
        _log.Info("Workflow {0} starts on this member", _state.Core.Upid);
        Handle(new StartWorkflow(start.Request, DateTimeOffset.UtcNow));
    }

    private void Handle(WorkflowInput input)
    {
        var events = _machine.Decide(_state, input);
        if (events.Count == 0)
        {
            AfterChange();
            return;
        }
        if (input is StepSucceeded { Step.RecordWithNext: true } ok
            && events.All(e => e is StepCompleted c && c.Key == ok.Step.Key || e is TaskLogged))
        {
            // A crash before the next write runs the step again (and logs it again), which it tolerates.
            foreach (var e in events) _state = _machine.Apply(_state, e);
            _unwritten.AddRange(events);
            AfterChange();
            return;
        }
        var applied = _unwritten.Count; // the first ones are in _state already
        if (applied > 0)
        {
            events = [.. _unwritten, .. events];
            _unwritten.Clear();
        }
        var writing = WorkflowMeter.Writing();
        PersistAll(events, e =>
        {
            if (applied > 0) applied--;
            else _state = _machine.Apply(_state, e);
            if (EventTagger.TagOf(e) is null) return;
            Context.System.EventStream.Publish(new TaggedEventPersisted(PersistenceId, LastSequenceNr, _lastTaggedSeq, e));
            _lastTaggedSeq = LastSequenceNr;
        });
        DeferAsync(events, _ =>
        {
            _meter.Written(writing);
            if (LastSequenceNr % SnapshotEvery < events.Count) SaveSnapshot(_state);
            AfterChange();
        });
    }

    private void AfterChange()
    {
        _meter.Changed(_state.Core);
        Observed(_state, null);
        if (_starter is not null && (_state.Core.Accepted || _state.Core.Rejected))
        {
            Reply(_starter);
            _starter = null;
        }
        if (_state.Core.Finished)
        {
            if (_state.Core.ExitStatus is { } exit && !_state.Core.Rejected)
                _log.Info("Workflow {0} finished: {1}", _state.Core.Upid, exit);
            Context.SetReceiveTimeout(TimeSpan.FromSeconds(30));
            Timers.Cancel("nodes");
            return;
        }
        if (_inflight is not null) return;
        var step = _machine.Next(_state);
        if (step is null) return;
        if (_runner.NodeGone is not null && !Timers.IsTimerActive("nodes") && NodesOf(_state).Count > 0)
            Timers.StartPeriodicTimer("nodes", CheckNodes.Instance, NodesCheckEvery);
        _inflight = step;
        var seq = ++_seq;
        var attempts = _state.Core.AttemptsOf(step.Key);
        var delay = step.Delay + (attempts == 0 ? TimeSpan.Zero
            : TimeSpan.FromMilliseconds(Math.Min(5000, 250 * Math.Pow(2, attempts))));
        if (delay <= TimeSpan.Zero) Self.Tell(new RunStep(seq, step));
        else Timers.StartSingleTimer("step", new RunStep(seq, step), delay);
    }

    private void Reply(IActorRef to)
    {
        var core = _state.Core;
        to.Tell(core.Rejected
            ? new TaskRejectedReply(core.Upid, core.ExitStatus ?? "rejected")
            : new TaskAcceptedReply(core.Upid));
    }

    private TaskStatusReply StatusReply()
    {
        var c = _state.Core;
        return new TaskStatusReply(c.Upid, c.Started && !c.Rejected, c.IsRunning, c.Finished ? c.ExitStatus : null,
            Phase(_state), c.Started ? c.StartedAt : null, c.EndedAt);
    }

    private void PassivateIfUnknown()
    {
        if (!_state.Core.Started) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    private static StepOutcome Failure(int seq, WorkflowStep step, AggregateException e)
    {
        var root = e.GetBaseException();
        var message = root is AskTimeoutException ? $"timeout waiting for {step.Key}" : root.Message;
        return new StepOutcome(seq, step, null, message, root is StepRefusedException, root is NodeOfflineException);
    }
}

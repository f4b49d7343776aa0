using ActorMigration.Domain.Tasks;

namespace ActorMigration.Domain.Workflows;

/// <summary>
/// A workflow as a pure state machine: <see cref="Decide"/> turns an input into events,
/// <see cref="Apply"/> folds them, <see cref="Next"/> names the effect to run now.
/// Forward and rollback are step sequences; a step is done once its key is recorded.
/// </summary>
public abstract class WorkflowMachine<TState> where TState : class, IWorkflowState<TState>
{
    public abstract TState Initial(string upid);

    /// <summary>Message of an abort (DELETE on the task).</summary>
    protected virtual string InterruptMessage => "received interrupt";

    protected abstract TState ApplyOwn(TState s, IWorkflowEvent e);
    protected abstract IEnumerable<IWorkflowEvent> OnStart(TState s, object request, DateTimeOffset at);
    protected abstract IEnumerable<WorkflowStep> Forward(TState s);
    protected virtual IEnumerable<WorkflowStep> Rollback(TState s) => [];
    protected abstract IEnumerable<IWorkflowEvent> OnStepDone(TState s, WorkflowStep step, StepResult result, DateTimeOffset at);
    protected virtual IEnumerable<IWorkflowEvent> OnProgress(TState s, WorkflowStep step, StepResult progress, DateTimeOffset at) => [];

    /// <summary>Why the workflow does not take <paramref name="command"/> now; null: it does (<see cref="OnCommand"/>).</summary>
    public virtual string? Refusal(TState s, object command) => $"this task does not take {command.GetType().Name}";

    protected virtual IEnumerable<IWorkflowEvent> OnCommand(TState s, object command, DateTimeOffset at) => [];

    /// <summary>Closing log lines and exit status once no step is left.</summary>
    protected abstract (IReadOnlyList<string> Lines, string ExitStatus) Outcome(TState s, DateTimeOffset at);

    public TState Apply(TState s, IWorkflowEvent e) =>
        e is ITaskEvent te ? s.WithCore(s.Core.Apply(te)) : ApplyOwn(s, e);

    public TState ApplyAll(TState s, IEnumerable<IWorkflowEvent> events) => events.Aggregate(s, Apply);

    public WorkflowStep? Next(TState s)
    {
        if (!s.Core.Started || s.Core.Finished) return null;
        var sequence = s.Core.RollingBack ? Rollback(s) : Forward(s);
        return sequence.FirstOrDefault(step => !s.Core.Done.Contains(step.Key));
    }

    public IReadOnlyList<IWorkflowEvent> Decide(TState s, WorkflowInput input)
    {
        var events = new List<IWorkflowEvent>();
        switch (input)
        {
            case StartWorkflow start:
                if (s.Core.Started) return [];
                events.Add(new TaskStarted(s.Core.Upid, start.At));
                events.AddRange(OnStart(Apply(s, events[0]), start.Request, start.At));
                break;
            case AbortRequested abort:
                if (!s.Core.IsRunning || s.Core.PastPointOfNoReturn || s.Core.RollingBack) return [];
                events.Add(new WorkflowFailed(InterruptMessage, abort.At));
                break;
            case StepSucceeded ok:
                if (!IsCurrent(s, ok.Step)) return [];
                if (ok.Step.IsGate && !s.Core.Accepted) events.Add(new TaskAccepted(ok.At));
                var done = OnStepDone(s, ok.Step, ok.Result, ok.At).ToList();
                // A poll that answered but is not finished ends a run of failures: only consecutive ones count.
                if (s.Core.AttemptsOf(ok.Step.Key) > 0
                    && !done.Any(e => e is WorkflowFailed || e is StepCompleted c && c.Key == ok.Step.Key))
                    events.Add(new StepAttemptsReset(ok.Step.Key));
                events.AddRange(done);
                break;
            case CommandRequested c:
                if (Refusal(s, c.Command) is not null) return [];
                events.AddRange(OnCommand(s, c.Command, c.At));
                break;
            case StepProgressed p:
                if (!IsCurrent(s, p.Step)) return [];
                events.AddRange(OnProgress(s, p.Step, p.Progress, p.At));
                break;
            case StepFailedInput f:
                if (!IsCurrent(s, f.Step)) return [];
                events.AddRange(f.NodeOffline ? OnNodeOffline(s, f.Step, f.Error, f.At) : OnStepFailed(s, f.Step, f.Error, f.Final, f.At));
                break;
        }
        var after = ApplyAll(s, events);
        if (after.Core.Started && !after.Core.Finished && Next(after) is null)
        {
            var (lines, exit) = Outcome(after, input.At);
            if (lines.Count > 0) events.Add(new TaskLogged(lines, input.At));
            events.Add(new TaskFinished(s.Core.Upid, exit, input.At));
        }
        return events;
    }

    private bool IsCurrent(TState s, WorkflowStep step) => Next(s)?.Key == step.Key;

    protected virtual IEnumerable<IWorkflowEvent> OnStepFailed(TState s, WorkflowStep step, string error, bool final, DateTimeOffset at)
    {
        if (!final && s.Core.AttemptsOf(step.Key) + 1 < step.MaxAttempts)
        {
            yield return new StepAttemptFailed(step.Key, error);
            yield break;
        }
        if (step.IsGate && !s.Core.Accepted)
        {
            yield return new TaskRejected(s.Core.Upid, error, at);
            yield break;
        }
        if (s.Core.RollingBack)
        {
            yield return Log(at, $"WARN: {error}");
            yield return new TaskWarned(error);
            yield return new StepCompleted(step.Key);
        }
        else if (s.Core.PastPointOfNoReturn)
        {
            yield return Log(at, $"ERROR: {error}");
            yield return new WorkflowFailed(error, at);
            yield return new StepCompleted(step.Key);
        }
        else
        {
            yield return new WorkflowFailed(error, at);
        }
    }

    /// <summary>
    /// The step's node was declared down: nothing is retried. Before the point of no return the workflow rolls back;
    /// a rollback step, or a step past it that only cleans up on that node (<see cref="WorkflowStep.SkipIfNodeOffline"/>),
    /// is skipped with a warning; any other step past it is an error.
    /// </summary>
    private IEnumerable<IWorkflowEvent> OnNodeOffline(TState s, WorkflowStep step, string error, DateTimeOffset at)
    {
        if (s.Core.RollingBack || s.Core.PastPointOfNoReturn && step.SkipIfNodeOffline)
        {
            yield return Log(at, $"WARN: {error}");
            yield return new TaskWarned(error);
            yield return new StepCompleted(step.Key);
            yield break;
        }
        foreach (var e in OnStepFailed(s, step, error, final: true, at)) yield return e;
    }

    protected static TaskLogged Log(DateTimeOffset at, params string[] lines) =>
        new(lines.Select(l => TaskLog.Line(at, l)).ToArray(), at);

    protected static TaskLogged LogRaw(DateTimeOffset at, params string[] lines) => new(lines, at);
}

namespace ActorMigration.Domain.Workflows;

/// <summary>Inputs to a workflow's Decide. Each carries the time it happened.</summary>
public abstract record WorkflowInput(DateTimeOffset At);

/// <summary>The request that starts the workflow.</summary>
public sealed record StartWorkflow(object Request, DateTimeOffset At) : WorkflowInput(At);

public sealed record StepSucceeded(WorkflowStep Step, StepResult Result, DateTimeOffset At) : WorkflowInput(At);

/// <summary>
/// A step failed. <paramref name="Final"/>: a refusal that retrying cannot change. <paramref name="NodeOffline"/>: the
/// node the step ran on was declared down (final as well).
/// </summary>
public sealed record StepFailedInput(WorkflowStep Step, string Error, bool Final, DateTimeOffset At, bool NodeOffline = false)
    : WorkflowInput(At);

/// <summary>Intermediate progress of a long step (copy, mirror).</summary>
public sealed record StepProgressed(WorkflowStep Step, StepResult Progress, DateTimeOffset At) : WorkflowInput(At);

/// <summary>DELETE on the task.</summary>
public sealed record AbortRequested(DateTimeOffset At) : WorkflowInput(At);

/// <summary>A command to a running workflow (e.g. force-complete); its machine says whether it takes it (<c>Refusal</c>).</summary>
public sealed record CommandRequested(object Command, DateTimeOffset At) : WorkflowInput(At);

namespace ActorMigration.Domain.Workflows;

/// <summary>Persisted events of any workflow.</summary>
public interface IWorkflowEvent;

/// <summary>Events every workflow shares: task life cycle, log and step bookkeeping.</summary>
public interface ITaskEvent : IWorkflowEvent;

public sealed record TaskStarted(string Upid, DateTimeOffset At) : ITaskEvent;

public sealed record TaskLogged(IReadOnlyList<string> Lines, DateTimeOffset At) : ITaskEvent;

/// <summary>Final state. <see cref="ExitStatus"/> is <c>OK</c>, <c>WARNINGS: n</c> or the error.</summary>
public sealed record TaskFinished(string Upid, string ExitStatus, DateTimeOffset At) : ITaskEvent;

/// <summary>The gate step (lock or VM reservation) passed: the request got its UPID.</summary>
public sealed record TaskAccepted(DateTimeOffset At) : ITaskEvent;

/// <summary>Refused before it started (e.g. the VM was locked); not listed as a task.</summary>
public sealed record TaskRejected(string Upid, string Error, DateTimeOffset At) : ITaskEvent;

public sealed record StepCompleted(string Key) : ITaskEvent;

public sealed record StepAttemptFailed(string Key, string Error) : ITaskEvent;

/// <summary>A poll step succeeded without completing: its failures so far no longer count (Proxmox's $err_count = 0).</summary>
public sealed record StepAttemptsReset(string Key) : ITaskEvent;

/// <summary>A failure: before the point of no return it starts the rollback.</summary>
public sealed record WorkflowFailed(string Reason, DateTimeOffset At) : ITaskEvent;

public sealed record PointOfNoReturnPassed(DateTimeOffset At) : ITaskEvent;

public sealed record TaskWarned(string Message) : ITaskEvent;

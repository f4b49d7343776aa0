using ActorMigration.Domain.Workflows;

namespace ActorMigration.Domain.Tasks;

/// <summary>
/// One change of a task's state as the task-events stream (SSE and ClusterClient) shows it. <see cref="Position"/> is
/// the journal's tag offset: increasing, stable across restarts, the resume point.
/// </summary>
public sealed record TaskStateChange(long Position, string Upid, string Node, string Type, string Id, string User, string State,
    string? Step, string? Status, DateTimeOffset At);

public static class TaskStateChanges
{
    /// <summary>
    /// The change an event of task <paramref name="upid"/> means, or null for one that is no state change.
    /// <paramref name="written"/> dates the events that carry no time of their own (a completed step).
    /// </summary>
    public static TaskStateChange? Of(long position, string upid, object evt, DateTimeOffset written)
    {
        if (!Tasks.Upid.TryParse(upid, out var u)) return null;
        (string State, string? Step, string? Status, DateTimeOffset At)? c = evt switch
        {
            TaskStarted e => ("started", null, null, e.At),
            TaskAccepted e => ("accepted", null, null, e.At),
            StepCompleted e => ("step", e.Key, null, written),
            PointOfNoReturnPassed e => ("point-of-no-return", null, null, e.At),
            WorkflowFailed e => ("failed", null, e.Reason, e.At),
            TaskFinished e => ("stopped", null, e.ExitStatus, e.At),
            TaskRejected e => ("rejected", null, e.Error, e.At),
            _ => null
        };
        return c is { } s ? new TaskStateChange(position, upid, u!.Node, u.Type, u.Id, u.User, s.State, s.Step, s.Status, s.At) : null;
    }

    /// <summary>Whether an event is a task state change (and so written with the task-state tag).</summary>
    public static bool IsStateChange(object evt) =>
        evt is TaskStarted or TaskAccepted or StepCompleted or PointOfNoReturnPassed or WorkflowFailed or TaskFinished or TaskRejected;
}

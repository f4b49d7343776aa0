using ActorMigration.Domain.Workflows;

namespace ActorMigration.Actors.Workflows;

/// <summary>Commands to a workflow entity; the entity id is the UPID.</summary>
public interface IWorkflowCommand
{
    string Upid { get; }
}

/// <summary>Starts a workflow with its request. → <see cref="TaskAcceptedReply"/> or <see cref="TaskRejectedReply"/></summary>
public sealed record StartTask(string Upid, object Request) : IWorkflowCommand;

/// <summary>→ <see cref="TaskStatusReply"/></summary>
public sealed record GetTaskStatus(string Upid) : IWorkflowCommand;

/// <summary>Lines from <see cref="Start"/> (0-based); <see cref="Limit"/> 0 means all. → <see cref="TaskLogReply"/></summary>
public sealed record GetTaskLog(string Upid, int Start, int Limit) : IWorkflowCommand;

/// <summary>DELETE on the task. → <see cref="TaskStatusReply"/></summary>
public sealed record AbortTask(string Upid) : IWorkflowCommand;

/// <summary>force-complete of a running migration (our extension). → <see cref="WorkflowCommandReply"/></summary>
public sealed record ForceCompleteTask(string Upid) : IWorkflowCommand;

/// <summary>A command taken (<paramref name="Error"/> null) or refused with its reason.</summary>
public sealed record WorkflowCommandReply(string Upid, string? Error);

/// <summary>Wakes a workflow after a member restart so it resumes.</summary>
public sealed record WakeTask(string Upid) : IWorkflowCommand;

public sealed record TaskAcceptedReply(string Upid);

public sealed record TaskRejectedReply(string Upid, string Error);

public sealed record TaskStatusReply(
    string Upid,
    bool Exists,
    bool Running,
    string? ExitStatus,
    string Phase,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt);

public sealed record TaskLogReply(bool Exists, IReadOnlyList<string> Lines, int Total);

/// <summary>Result of a step the actor ran (local only).
/// <paramref name="Offline"/>: the step's node is offline (<see cref="Nodes.NodeOfflineException"/>).</summary>
internal sealed record StepOutcome(int Seq, WorkflowStep Step, StepResult? Result, string? Error, bool Final, bool Offline = false);

/// <summary>Time to run the step with this sequence number (local only).</summary>
internal sealed record RunStep(int Seq, WorkflowStep Step);

/// <summary>A refusal that no retry can change (lock held, VM missing...).</summary>
public class StepRefusedException(string message) : Exception(message);

namespace ActorMigration.Domain.Workflows.Bulk;

/// <summary>Events of the bulk workflows (migrateall and evacuation).</summary>
public interface IBulkEvent : IWorkflowEvent;

/// <summary>A child migration decided before any start: its VM, target, fresh UPID and whether it runs live.</summary>
public sealed record BulkChild(int VmId, string Target, string Upid, bool Online);

/// <summary>A VM left where it is, with the reason (<paramref name="Kind"/>: a <c>MoveBlockKinds</c> value for evacuations).</summary>
public sealed record BulkSkip(int VmId, string Reason, string? Kind = null);

/// <summary><c>bulk.requested</c>: the migrateall request.</summary>
public sealed record BulkRequested(MigrateAllRequest Request) : IBulkEvent;

/// <summary><c>evac.requested</c>: the evacuation request.</summary>
public sealed record EvacuationRequested(EvacuationRequest Request) : IBulkEvent;

/// <summary><c>bulk.round</c>: the children (with their UPIDs) and the skipped VMs of one round, persisted before any start.</summary>
public sealed record BulkRoundPlanned(int Round, IReadOnlyList<BulkChild> Children, IReadOnlyList<BulkSkip> Skipped) : IBulkEvent;

/// <summary><c>bulk.started</c>: the children whose start was answered (accepted or refused).</summary>
public sealed record BulkChildrenStarted(IReadOnlyList<string> Upids) : IBulkEvent;

/// <summary><c>bulk.child</c>: a child ended (or was refused: its refusal is the exit status).</summary>
public sealed record BulkChildEnded(string Upid, int VmId, string ExitStatus) : IBulkEvent;

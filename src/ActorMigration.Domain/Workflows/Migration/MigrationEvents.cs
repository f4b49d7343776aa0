namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>Persisted events of a migration workflow (besides the shared task events).</summary>
public interface IMigrationEvent : IWorkflowEvent;

public sealed record MigrationRequested(MigrationRequest Request) : IMigrationEvent;

public sealed record MigrationPrepared(MigrationPlan Plan) : IMigrationEvent;

public sealed record MigrationIncomingStarted(string? Uri, string? NbdUri) : IMigrationEvent;

/// <summary>QEMU reported the migration completed; the source is paused.</summary>
public sealed record MigrationCompleted(long TransferredBytes, long TotalTimeMs, long DowntimeMs, long Iterations) : IMigrationEvent;

public sealed record MigrationConntrackTransferred(int Entries) : IMigrationEvent;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>Persisted events of a migration workflow (besides the shared task events).</summary>
public interface IMigrationEvent : IWorkflowEvent;

public sealed record MigrationRequested(MigrationRequest Request) : IMigrationEvent;

public sealed record MigrationPrepared(MigrationPlan Plan) : IMigrationEvent;

public sealed record MigrationIncomingStarted(string? Uri, string? NbdUri) : IMigrationEvent;

/// <summary>QEMU reported the migration completed; the source is paused.</summary>
public sealed record MigrationCompleted(long TransferredBytes, long TotalTimeMs, long DowntimeMs, long Iterations) : IMigrationEvent;

public sealed record MigrationConntrackTransferred(int Entries) : IMigrationEvent;

/// <summary>The slot the migration waits for in the queue (its class by origin); absent in journals older than the queue.</summary>
public sealed record MigrationSlotRequested(Scheduling.MigrationSlot Slot) : IMigrationEvent;

/// <summary>The migration waits in the queue with <paramref name="Ahead"/> entries before it (written at most every few seconds).</summary>
public sealed record MigrationQueued(int Ahead, DateTimeOffset At) : IMigrationEvent;

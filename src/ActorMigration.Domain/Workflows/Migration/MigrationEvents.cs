using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Migration.Convergence;

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

/// <summary>The outgoing migration started at <paramref name="At"/> with the convergence controller's first settings.</summary>
public sealed record MigrationStarted(DateTimeOffset At, ConvergenceState Convergence) : IMigrationEvent;

/// <summary>The controller's watermark and iteration moved on (written at most about once a second).</summary>
public sealed record MigrationConvergenceNoted(ConvergenceState Convergence) : IMigrationEvent;

/// <summary>The controller (or force-complete) set new migration parameters: a TuneMigration step follows.</summary>
public sealed record MigrationTuned(MigrationTuning Tuning, ConvergenceState Convergence) : IMigrationEvent;

/// <summary>
/// The controller (or force-complete) switches to post-copy: from here the target runs the VM, so this is the point of
/// no return of a post-copy migration; a StartPostcopy step follows.
/// </summary>
public sealed record MigrationPostcopyRequested(ConvergenceState Convergence) : IMigrationEvent;

/// <summary>force-complete (POST …/migrate/force-complete) on a migration in pre-copy.</summary>
public sealed record ForceCompleteMigration;

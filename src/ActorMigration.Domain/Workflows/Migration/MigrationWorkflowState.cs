using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Migration.Convergence;

namespace ActorMigration.Domain.Workflows.Migration;

public sealed record MigrationStats(long TransferredBytes, long TotalTimeMs, long DowntimeMs, long Iterations);

public sealed record MigrationWorkflowState(
    WorkflowCore Core,
    MigrationRequest? Request,
    MigrationPlan? Plan,
    string? IncomingUri,
    string? NbdUri,
    MigrationStats? Stats,
    int? ConntrackEntries,
    Scheduling.MigrationSlot? Slot = null,
    int? QueuedAhead = null,
    DateTimeOffset? QueuedLoggedAt = null,
    DateTimeOffset? PrecopyStartedAt = null,
    ConvergenceState? Convergence = null,
    IReadOnlyList<MigrationTuning>? Tunings = null,
    bool PostcopyRequested = false,
    MirrorsProgressed? MirrorsProgress = null) : IWorkflowState<MigrationWorkflowState>
{
    public MigrationWorkflowState WithCore(WorkflowCore core) => this with { Core = core };

    /// <summary>
    /// The phase as the architecture names it; <c>queued (n ahead)</c> while it waits for a slot (n as last written,
    /// at most a few seconds old). <see cref="Slot"/> is null in journals older than the queue: no slot steps then.
    /// </summary>
    public string Phase
    {
        get
        {
            var done = Core.Done;
            if (Core.Finished) return "done";
            if (Core.RollingBack) return "rollback";
            if (Slot is not null && !done.Contains(MigrationMachine.SlotKey))
                return QueuedAhead is { } n ? $"queued ({n} ahead)" : "queued";
            if (Plan is null) return "prepare";
            if (!Plan.Online)
            {
                if (Plan.CopiedDisks.Any(d => !done.Contains(MigrationMachine.CopyKey(d)))) return "copy-disks";
                return done.Contains(MigrationMachine.OwnerKey) ? "cleanup" : "move-config";
            }
            if (Plan.CopiedDisks.Any(d => !done.Contains(MigrationMachine.CopyKey(d)))) return "prepare";
            if (!done.Contains("incoming") || (Plan.LiveDisks.Any() && !done.Contains("mirror-ready"))) return "start-incoming";
            if (!done.Contains("precopy")) return PostcopyRequested ? "postcopy" : "precopy-iterations";
            if (Plan.LiveDisks.Any() && !done.Contains("nbd-stop") || !done.Contains(MigrationMachine.ConfirmKey)) return "stop-and-copy";
            if (Request!.WithConntrackState && !done.Contains("conntrack")) return "conntrack-transfer";
            return "cleanup";
        }
    }
}

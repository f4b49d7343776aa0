namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>
/// POST /nodes/{node}/qemu/{vmid}/migrate, validated. <paramref name="DowntimeLimitMs"/>: the VM's migrate_downtime;
/// <paramref name="MaxDowntimeMs"/>: how far the convergence controller may raise it (max-downtime; null: the default
/// rule of <see cref="Convergence.ConvergenceSettings"/>); <paramref name="PostCopy"/>: post-copy allowed (post-copy=1);
/// the timeouts end a migration that does not converge or makes no progress.
/// </summary>
public sealed record MigrationRequest(
    int VmId,
    string Source,
    string Target,
    bool Online,
    bool WithLocalDisks,
    string? TargetStorage,
    long? BwLimitKiB,
    bool Force,
    bool WithConntrackState,
    string User,
    long DowntimeLimitMs = 100,
    int PollIntervalMs = 500,
    long? MaxDowntimeMs = null,
    bool PostCopy = false,
    double CompletionTimeoutPerGiBSec = 150,
    double ProgressTimeoutSec = 150);

/// <summary>A disk that moves with the VM. <paramref name="WithSnapshots"/>: copied as the file itself, keeping its qcow2 snapshots.</summary>
public sealed record DiskMove(string Drive, string SrcVolid, string DstVolid, string Format, long SizeBytes, bool Live, bool WithSnapshots = false);

/// <summary>
/// What prepare decided. <paramref name="DowntimeLimitMs"/> and <paramref name="BwLimitKiB"/>: the live migration's
/// downtime limit and speed limit (KiB/s, null: unlimited) from the request and the VM's config.
/// </summary>
public sealed record MigrationPlan(
    bool Online,
    bool Running,
    string TargetAddress,
    string ConfigText,
    string NewConfigText,
    string IncomingConfigText,
    IReadOnlyList<DiskMove> Disks,
    long DowntimeLimitMs = 100,
    long? BwLimitKiB = null)
{
    public IEnumerable<DiskMove> LiveDisks => Disks.Where(d => d.Live);
    public IEnumerable<DiskMove> CopiedDisks => Disks.Where(d => !d.Live);
}

/// <summary>
/// A migration with the queue slot it waits for (its class by origin, and a bulk action's group cap). A bare
/// <see cref="MigrationRequest"/> is a user's request (<see cref="Scheduling.SlotClasses.User"/>).
/// </summary>
public sealed record MigrationOrder(MigrationRequest Request, Scheduling.MigrationSlot Slot);

namespace ActorMigration.Domain.Hypervisor;

/// <summary>QMP run states that matter to us (query-status "status").</summary>
public enum VmRunState
{
    Stopped,
    Running,
    Paused,
    InMigrate,
    PostMigrate,
    FinishMigrate,
    Prelaunch,
    Other
}

/// <summary>A VM process as its node sees it.</summary>
public sealed record VmRuntime(
    int VmId,
    VmRunState State,
    int? Pid = null,
    long UptimeSeconds = 0,
    string? IncomingUri = null,
    string? NbdUri = null,
    string? Tag = null,
    string? RunningMachine = null,
    string? RunningQemu = null)
{
    public bool IsAlive => State != VmRunState.Stopped;
    public string QmpStatus => State switch
    {
        VmRunState.Stopped => "stopped",
        VmRunState.Running => "running",
        VmRunState.Paused => "paused",
        VmRunState.InMigrate => "inmigrate",
        VmRunState.PostMigrate => "postmigrate",
        VmRunState.FinishMigrate => "finish-migrate",
        VmRunState.Prelaunch => "prelaunch",
        _ => "unknown"
    };
}

/// <summary>query-migrate "status".</summary>
public enum MigrationState
{
    None,
    Setup,
    Active,
    PreSwitchover,
    Device,
    Completed,
    Failed,
    Cancelling,
    Cancelled,
    /// <summary>Post-copy: the target runs the VM and pulls the pages it still lacks.</summary>
    PostcopyActive
}

/// <summary>
/// A snapshot of query-migrate. <c>Uri</c>: where the driver sent this migration (query-migrate does not say; the driver
/// records it at start), null when unknown.
/// </summary>
public sealed record MigrationProgress(
    MigrationState Status,
    long TotalBytes = 0,
    long TransferredBytes = 0,
    long RemainingBytes = 0,
    double SpeedBytesPerSec = 0,
    long DirtyPagesRate = 0,
    long PageSize = 4096,
    long DirtySyncCount = 0,
    long? ExpectedDowntimeMs = null,
    long? DowntimeMs = null,
    long? TotalTimeMs = null,
    string? Error = null,
    string? Uri = null,
    int ThrottlePct = 0)
{
    public bool IsFinal => Status is MigrationState.Completed or MigrationState.Failed or MigrationState.Cancelled;
    public double DirtyBytesPerSec => DirtyPagesRate * (double)PageSize;
}

/// <summary>
/// Parameters of one outgoing migration. <paramref name="ThrottleCeilingPct"/>: the auto-converge throttle QEMU may
/// apply (cpu-throttle-initial and max-cpu-throttle), set by the convergence controller; null: QEMU's defaults
/// (20 %, +10 %, up to 99 %). <paramref name="PostCopy"/>: the postcopy-ram capability, so post-copy may be started.
/// </summary>
public sealed record MigrationStartSpec(
    string Uri,
    long? MaxBandwidthBytesPerSec,
    long DowntimeLimitMs = 100,
    bool AutoConverge = true,
    int? ThrottleCeilingPct = null,
    bool PostCopy = false);

/// <summary>
/// What the convergence controller changes while a migration runs (migrate-set-parameters): the downtime limit and the
/// auto-converge throttle ceiling (cpu-throttle-initial = increment = max-cpu-throttle; null: unchanged).
/// </summary>
public sealed record MigrationTuning(long DowntimeLimitMs, int? ThrottleCeilingPct);

/// <summary>A block job as query-block-jobs reports it.</summary>
public sealed record BlockJobInfo(
    string Device,
    string Type,
    long Length,
    long Offset,
    bool Ready,
    string Status,
    string? Error = null);

/// <summary>Where a drive-mirror writes: an NBD URI or a local file.</summary>
public sealed record MirrorTarget(string Target, string Format, long? BandwidthBytesPerSec = null);

/// <summary>A volume as qemu-img info sees it; <c>FileLength</c>: its file's length in bytes, where the driver knows it.</summary>
public sealed record VolumeInfo(
    string VolId,
    string Path,
    string Format,
    long VirtualSize,
    long ActualSize,
    string? BackingFile = null,
    bool ReadOnly = false,
    IReadOnlyList<string>? Snapshots = null,
    long? FileLength = null);

/// <summary>A volume served over NBD.</summary>
public sealed record NbdExport(string ExportId, string Uri);

public sealed record CopyProgress(long DoneBytes, long TotalBytes);

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
    Cancelled
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
    string? Uri = null)
{
    public bool IsFinal => Status is MigrationState.Completed or MigrationState.Failed or MigrationState.Cancelled;
    public double DirtyBytesPerSec => DirtyPagesRate * (double)PageSize;
}

/// <summary>Parameters of one outgoing migration.</summary>
public sealed record MigrationStartSpec(
    string Uri,
    long? MaxBandwidthBytesPerSec,
    long DowntimeLimitMs = 100,
    bool AutoConverge = true);

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

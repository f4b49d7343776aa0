using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Simulated;

public enum MigrationPhase
{
    Precopy,
    /// <summary>Stop-and-copy: the source is stopped (finish-migrate), the rest is being sent.</summary>
    Switchover,
    /// <summary>Post-copy: the target runs the VM and pulls the rest of the RAM.</summary>
    Postcopy,
    Completed,
    Failed,
    Cancelled
}

/// <summary>The migration as seen at one simulated instant.</summary>
public sealed record MigrationSnapshot(
    MigrationPhase Phase,
    double ElapsedSec,
    int Pass,
    double TransferredBytes,
    double RemainingBytes,
    long DirtyPagesRate,
    long DirtySyncCount,
    int ThrottlePct,
    double? ExpectedDowntimeMs,
    double? DowntimeMs,
    string? Error = null)
{
    /// <summary>This instant as query-migrate reports it (the driver's answer and the convergence bench's sample).</summary>
    public MigrationProgress ToProgress(MigrationParams p, string? uri = null) => new(
        Phase switch
        {
            MigrationPhase.Completed => MigrationState.Completed,
            MigrationPhase.Failed => MigrationState.Failed,
            MigrationPhase.Cancelled => MigrationState.Cancelled,
            MigrationPhase.Postcopy => MigrationState.PostcopyActive,
            _ => MigrationState.Active
        },
        TotalBytes: p.RamBytes,
        TransferredBytes: (long)TransferredBytes,
        RemainingBytes: (long)Math.Ceiling(RemainingBytes),
        SpeedBytesPerSec: p.BandwidthBytesPerSec,
        DirtyPagesRate: DirtyPagesRate,
        PageSize: MigrationParams.PageSize,
        DirtySyncCount: DirtySyncCount,
        ExpectedDowntimeMs: ExpectedDowntimeMs is { } e ? (long)Math.Round(e) : null,
        DowntimeMs: DowntimeMs is { } d ? (long)Math.Round(d) : null,
        TotalTimeMs: (long)Math.Round(ElapsedSec * 1000),
        Error: Error,
        Uri: uri,
        ThrottlePct: Phase is MigrationPhase.Precopy ? ThrottlePct : 0);
}

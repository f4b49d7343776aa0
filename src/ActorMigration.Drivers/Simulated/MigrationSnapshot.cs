namespace ActorMigration.Drivers.Simulated;

public enum MigrationPhase
{
    Precopy,
    /// <summary>Stop-and-copy: the source is stopped (finish-migrate), the rest is being sent.</summary>
    Switchover,
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
    string? Error = null);

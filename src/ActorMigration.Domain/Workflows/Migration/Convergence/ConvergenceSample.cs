using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Workflows.Migration.Convergence;

/// <summary>
/// One query-migrate as the controller reads it, <paramref name="ElapsedSec"/> after the migration started.
/// <paramref name="Iteration"/>: QEMU's dirty-sync-count (1 during the first pass); <paramref name="ThrottlePct"/>: the
/// auto-converge throttle QEMU applies now.
/// </summary>
public sealed record ConvergenceSample(
    double ElapsedSec,
    long TotalBytes,
    long TransferredBytes,
    long RemainingBytes,
    double BandwidthBytesPerSec,
    double DirtyBytesPerSec,
    long Iteration,
    int ThrottlePct,
    long? ExpectedDowntimeMs,
    bool PostCopyActive = false)
{
    public static ConvergenceSample Of(MigrationProgress p, double elapsedSec) => new(
        elapsedSec, p.TotalBytes, p.TransferredBytes, p.RemainingBytes, p.SpeedBytesPerSec, p.DirtyBytesPerSec,
        p.DirtySyncCount, p.ThrottlePct, p.ExpectedDowntimeMs, p.Status == MigrationState.PostcopyActive);
}

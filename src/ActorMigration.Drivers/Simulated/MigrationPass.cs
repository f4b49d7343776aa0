namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// One pre-copy pass: sends <see cref="Bytes"/> (all RAM in pass 1, then what was dirtied in the previous pass)
/// while the guest, throttled by <see cref="ThrottlePct"/>, dirties <see cref="DirtiedBytes"/>.
/// </summary>
public sealed record MigrationPass(
    int Number,
    double StartSec,
    double DurationSec,
    double Bytes,
    double BytesBefore,
    int ThrottlePct,
    double DirtiedBytes,
    long DirtyPagesRate)
{
    public double EndSec => StartSec + DurationSec;
}

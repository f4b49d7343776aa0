using System.Text.Json.Serialization;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Inputs of one simulated pre-copy migration; rates per simulated second.</summary>
public sealed record MigrationParams(
    long RamBytes,
    double BandwidthBytesPerSec,
    long DowntimeLimitMs,
    bool AutoConverge,
    double DirtyRateBytesPerSec,
    long WorkingSetBytes,
    double SwitchoverOverheadMs = 5,
    bool Instant = false,
    int? ThrottleCeilingPct = null,
    bool PostCopy = false)
{
    public const long PageSize = 4096;

    // QEMU defaults: cpu-throttle-initial 20, cpu-throttle-increment 10, max-cpu-throttle 99,
    // throttle-trigger-threshold 50 (% of the bytes transferred in the period).
    public const int ThrottleInitialPct = 20;
    public const int ThrottleIncrementPct = 10;
    public const int ThrottleMaxPct = 99;
    public const int ThrottleTriggerPct = 50;

    /// <summary>
    /// The auto-converge steps with a throttle ceiling: cpu-throttle-initial = cpu-throttle-increment = max-cpu-throttle =
    /// the ceiling, so QEMU's next step goes straight to it; without one, QEMU's defaults.
    /// </summary>
    public static (int Initial, int Increment, int Max) ThrottleSteps(int? ceilingPct) => ceilingPct is { } c
        ? (c, c, c)
        : (ThrottleInitialPct, ThrottleIncrementPct, ThrottleMaxPct);

    /// <summary>
    /// QEMU 7.2's mig_throttle_guest_down: <paramref name="initial"/> when the throttle is not active yet, else
    /// min(now + increment, max); cpu_throttle_set keeps it within 1..99.
    /// </summary>
    public static int NextThrottle(int nowPct, int initial, int increment, int max) =>
        Math.Clamp(nowPct == 0 ? initial : Math.Min(nowPct + increment, max), 1, ThrottleMaxPct);

    /// <summary>Switch over once the dirty bytes at a sync are at most this (bandwidth × downtime limit).</summary>
    [JsonIgnore]
    public double ThresholdBytes => BandwidthBytesPerSec * DowntimeLimitMs / 1000.0;
}

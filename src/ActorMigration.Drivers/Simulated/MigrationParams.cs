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
    bool Instant = false)
{
    public const long PageSize = 4096;

    // QEMU defaults: cpu-throttle-initial 20, cpu-throttle-increment 10, max-cpu-throttle 99,
    // throttle-trigger-threshold 50 (% of the bytes transferred in the period).
    public const int ThrottleInitialPct = 20;
    public const int ThrottleIncrementPct = 10;
    public const int ThrottleMaxPct = 99;
    public const int ThrottleTriggerPct = 50;

    /// <summary>Switch over once the dirty bytes at a sync are at most this (bandwidth × downtime limit).</summary>
    [JsonIgnore]
    public double ThresholdBytes => BandwidthBytesPerSec * DowntimeLimitMs / 1000.0;
}

namespace ActorMigration.Domain.Workflows.Migration.Convergence;

/// <summary>
/// Where pre-copy is heading, from one iteration's numbers: each pass sends what the guest dirtied during the previous
/// one, so passes shrink by <see cref="Ratio"/> = dirty rate / bandwidth, and QEMU switches over once a pass fits in
/// bandwidth × downtime limit. <see cref="NextPassBytes"/>: the pass after this one.
/// </summary>
public sealed record ConvergenceForecast(double Ratio, double PassBytes, double NextPassBytes, double ThresholdBytes, double SecondsToConverge)
{
    /// <summary>Passes shrinking by less than this (ratio above it) count as stalled: a working set, or a guest as fast as the link.</summary>
    public const double StallRatio = 0.9;

    public bool Converges => !double.IsPositiveInfinity(SecondsToConverge);

    /// <summary>The downtime the next pass would need (ms) at this bandwidth.</summary>
    public double NextPassDowntimeMs(double bandwidthBytesPerSec) => NextPassBytes / bandwidthBytesPerSec * 1000;

    public static ConvergenceForecast Of(double bandwidth, double dirtyRate, double passBytes, long downtimeLimitMs)
    {
        if (!(bandwidth > 0)) return new(double.PositiveInfinity, passBytes, passBytes, 0, double.PositiveInfinity);
        var ratio = dirtyRate / bandwidth;
        var threshold = bandwidth * downtimeLimitMs / 1000.0;
        var next = Math.Min(passBytes, ratio * passBytes);
        if (next <= threshold) return new(ratio, passBytes, next, threshold, passBytes / bandwidth);
        if (ratio >= StallRatio) return new(ratio, passBytes, next, threshold, double.PositiveInfinity);
        // Passes of S, rS, r²S, …: k passes until r^k·S ≤ threshold, sending S(1 − r^k)/(1 − r).
        var k = Math.Ceiling(Math.Log(threshold / passBytes) / Math.Log(ratio));
        var seconds = passBytes / bandwidth * (1 - Math.Pow(ratio, k)) / (1 - ratio);
        return new(ratio, passBytes, next, threshold, seconds);
    }
}

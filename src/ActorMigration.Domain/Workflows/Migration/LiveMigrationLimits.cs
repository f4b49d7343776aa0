using System.Globalization;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>
/// The live migration's downtime limit and speed limit from the VM's config (<c>migrate_downtime</c> in seconds,
/// <c>migrate_speed</c> in MiB/s) and the request (<c>bwlimit</c> in KiB/s, <c>max-downtime</c> in seconds), by
/// QemuMigrate's phase2 rule.
/// </summary>
public static class LiveMigrationLimits
{
    public const string DowntimeKey = "migrate_downtime", SpeedKey = "migrate_speed";

    /// <summary>
    /// migrate_downtime × 1000, truncated like Perl's int(); without one, <paramref name="defaultMs"/> (the request's,
    /// by default Proxmox's 0.1 s).
    /// </summary>
    public static long DowntimeMs(QmSection cfg, long defaultMs) =>
        Seconds(cfg[DowntimeKey]) is { } s ? ToMs(s) : defaultMs;

    /// <summary>Seconds (a number ≥ 0, as migrate_downtime and max-downtime are) to milliseconds, int($s * 1000).</summary>
    public static long ToMs(double seconds) => (long)(seconds * 1000);

    /// <summary>
    /// The speed limit in KiB/s, null for none: bwlimit (KiB/s) and migrate_speed (MiB/s) — the lower of the two when
    /// both are set, else the one that is; 0 is no limit.
    /// </summary>
    public static long? SpeedKiB(QmSection cfg, long? bwlimitKiB)
    {
        var bw = bwlimitKiB ?? 0;
        var speed = (long.TryParse(cfg[SpeedKey], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mib) ? Math.Clamp(mib, 0, long.MaxValue / 1024) : 0) * 1024;
        var limit = bw > 0 && speed > 0 ? Math.Min(bw, speed) : Math.Max(bw, speed);
        return limit > 0 ? limit : null;
    }

    /// <summary>max-downtime below the downtime limit it would raise from is refused.</summary>
    public static string? MaxDowntimeError(long? maxDowntimeMs, long downtimeMs) =>
        maxDowntimeMs is { } max && max < downtimeMs
            ? $"max-downtime ({Sec(max)} s) is below the VM's migrate_downtime ({Sec(downtimeMs)} s)"
            : null;

    private static string Sec(long ms) => (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static double? Seconds(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s) && s >= 0 ? s : null;
}

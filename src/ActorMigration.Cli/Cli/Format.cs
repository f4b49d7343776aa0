using System.Globalization;

namespace ActorMigration.Cli;

/// <summary>Human-readable numbers for tables.</summary>
public static class Format
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Bytes(double? bytes)
    {
        if (bytes is not { } b) return "";
        var i = 0;
        while (b >= 1024 && i < Units.Length - 1) { b /= 1024; i++; }
        return string.Create(CultureInfo.InvariantCulture, $"{b:0.0} {Units[i]}");
    }

    public static string Duration(long? seconds)
    {
        if (seconds is not { } s || s <= 0) return "";
        var t = TimeSpan.FromSeconds(s);
        return t.Days > 0 ? $"{t.Days}d {t.Hours}h {t.Minutes}m" : $"{t.Hours:00}:{t.Minutes:00}:{t.Seconds:00}";
    }

    public static string Time(long? unixSeconds) => unixSeconds is { } u && u > 0
        ? DateTimeOffset.FromUnixTimeSeconds(u).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
        : "";

    public static string Percent(double? fraction) =>
        fraction is { } f ? string.Create(CultureInfo.InvariantCulture, $"{f * 100:0.0}%") : "";
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Config;

/// <summary>Proxmox disk size strings (<c>4G</c>, <c>512M</c>) and human byte rendering.</summary>
public static class SizeFormat
{
    private static readonly Regex SizeRe = new(@"^([0-9]+(?:\.[0-9]+)?)([KMGT])?\z", RegexOptions.Compiled);
    public const long KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024;

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var m = SizeRe.Match(text);
        if (!m.Success) return false;
        var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var mult = m.Groups[2].Value switch { "K" => KiB, "M" => MiB, "G" => GiB, "T" => TiB, _ => 1L };
        var total = n * mult;
        if (total >= long.MaxValue) return false;
        bytes = (long)total;
        return true;
    }

    public static long Parse(string text) =>
        TryParse(text, out var b) ? b : throw new FormatException($"unable to parse size '{text}'");

    /// <summary>Like PVE::JSONSchema::format_size: largest exact unit.</summary>
    public static string Format(long bytes)
    {
        if (bytes > 0 && bytes % TiB == 0) return $"{bytes / TiB}T";
        if (bytes > 0 && bytes % GiB == 0) return $"{bytes / GiB}G";
        if (bytes > 0 && bytes % MiB == 0) return $"{bytes / MiB}M";
        if (bytes > 0 && bytes % KiB == 0) return $"{bytes / KiB}K";
        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A copy's or mirror's progress as Proxmox logs it: "transferred 1.0 GiB of 2.0 GiB (50.00%)".</summary>
    public static string Transferred(long done, long total) =>
        $"transferred {Human(done)} of {Human(total)} ({(total == 0 ? 100.0 : done * 100.0 / total).ToString("0.00", CultureInfo.InvariantCulture)}%)";

    /// <summary>Like PVE::Format::render_bytes with precision 1: "512.0 MiB", "0.0 B".</summary>
    public static string Human(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var i = 0;
        while (bytes >= 1024 && i < units.Length - 1)
        {
            bytes /= 1024;
            i++;
        }
        return $"{bytes.ToString("0.0", CultureInfo.InvariantCulture)} {units[i]}";
    }

    /// <summary>HH:MM:SS as in Proxmox task logs.</summary>
    public static string Duration(TimeSpan t)
    {
        var s = (long)Math.Max(0, t.TotalSeconds);
        return $"{s / 3600:00}:{s / 60 % 60:00}:{s % 60:00}";
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Cli.Tasks;

/// <summary>One "transferred X of Y" log line: VM state (label "VM-state") or a disk ("drive-scsi0").</summary>
public sealed record TransferProgress(string Label, double Transferred, double Total, string Text, string? Speed)
{
    public double Fraction => Total <= 0 ? 0 : Math.Clamp(Transferred / Total, 0, 1);
}

/// <summary>Reads progress and downtime out of Proxmox-style task log lines.</summary>
public static partial class LogLineParser
{
    private const string Size = @"(\d+(?:\.\d+)?)\s*([KMGTPE]?i?B|bytes)";

    // "migration active, transferred 512.0 MiB of 2.0 GiB VM-state, 1.0 GiB/s"
    // "drive-scsi0: transferred 1.0 GiB of 32.0 GiB (3.12%) in 3s"
    [GeneratedRegex(@"(?:(?<drive>[\w\-]+):\s+)?transferred\s+" + Size + @"\s+of\s+" + Size + @"(?<rest>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex TransferRegex();

    [GeneratedRegex(@"(\d+(?:\.\d+)?\s*[KMGTPE]?i?B/s)")]
    private static partial Regex SpeedRegex();

    // "average migration speed: 1.0 GiB/s - downtime 12 ms", "migration downtime: 12 ms" (not "expected downtime")
    [GeneratedRegex(@"(?<!expected\s)downtime:?\s+(\d+(?:\.\d+)?\s*(?:ms|s|us))\b", RegexOptions.IgnoreCase)]
    private static partial Regex DowntimeRegex();

    public static bool TryParseTransfer(string line, out TransferProgress progress)
    {
        progress = null!;
        var m = TransferRegex().Match(line);
        if (!m.Success) return false;
        var done = ToBytes(m.Groups[1].Value, m.Groups[2].Value);
        var total = ToBytes(m.Groups[3].Value, m.Groups[4].Value);
        var rest = m.Groups["rest"].Value;
        var label = rest.TrimStart().StartsWith("VM-state", StringComparison.OrdinalIgnoreCase) ? "VM-state"
            : m.Groups["drive"].Success && m.Groups["drive"].Value != "active" ? m.Groups["drive"].Value
            : "transfer";
        var speed = SpeedRegex().Match(rest) is { Success: true } s ? s.Value : null;
        var text = $"{m.Groups[1].Value} {m.Groups[2].Value} of {m.Groups[3].Value} {m.Groups[4].Value}";
        progress = new TransferProgress(label, done, total, text, speed);
        return true;
    }

    /// <summary>Fraction 0..1 of a transfer line, or null for any other line.</summary>
    public static double? Fraction(string line) => TryParseTransfer(line, out var p) ? p.Fraction : null;

    /// <summary>"12 ms" from a downtime line, or null.</summary>
    public static string? Downtime(string line) =>
        DowntimeRegex().Match(line) is { Success: true } m ? m.Groups[1].Value : null;

    public static double ToBytes(string number, string unit)
    {
        var n = double.Parse(number, CultureInfo.InvariantCulture);
        var u = unit.ToUpperInvariant();
        if (u is "B" or "BYTES") return n;
        var power = "KMGTPE".IndexOf(u[0]) + 1;
        var factor = u.Contains('I') ? 1024d : 1000d;
        return n * Math.Pow(factor, power);
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Parses byte counts and rates such as <c>125000000</c>, <c>64M</c>, <c>1.5G</c>, <c>512KiB</c> (binary units).</summary>
public static class ByteSize
{
    private static readonly Regex Re = new(@"^\s*(\d+(?:\.\d+)?)\s*([KMGT])?(?:i?B)?(?:/s)?\s*$",
        RegexOptions.Compiled | RegexOptions.IgnoreCase);

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (text is null) return false;
        var m = Re.Match(text);
        if (!m.Success) return false;
        var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var mult = m.Groups[2].Value.ToUpperInvariant() switch
        {
            "K" => 1L << 10,
            "M" => 1L << 20,
            "G" => 1L << 30,
            "T" => 1L << 40,
            _ => 1L
        };
        bytes = (long)(n * mult);
        return true;
    }

    public static long Parse(string text) =>
        TryParse(text, out var b) ? b : throw new FormatException($"invalid byte size '{text}'");
}

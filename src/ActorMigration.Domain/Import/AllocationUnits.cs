using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Import;

/// <summary>CIM/DSP0004 programmatic units such as <c>byte * 2^20</c>, and the usual named ones (<c>MegaBytes</c>).</summary>
public static partial class AllocationUnits
{
    /// <summary>Largest exponent accepted in <c>byte * b^e</c>; any base above 1 overflows a long well before it.</summary>
    public const int MaxExponent = 64;

    [GeneratedRegex(@"^\s*bytes?\s*(?:\*\s*([0-9]+)\s*\^\s*([0-9]+)\s*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Programmatic();

    /// <summary>Bytes per unit, or null when the unit is not understood or does not fit in a long.</summary>
    public static long? BytesPerUnit(string? units)
    {
        if (units is null) return null;
        var m = Programmatic().Match(units);
        if (m.Success)
        {
            if (!m.Groups[1].Success) return 1;
            if (!long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var b)
                || !int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var e)
                || e > MaxExponent)
                return null;
            try
            {
                long f = 1;
                for (var i = 0; i < e; i++) f = checked(f * b);
                return f;
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        // Named units are binary in practice (VirtualBox writes "MegaBytes" for MiB).
        return units.Trim().ToLowerInvariant() switch
        {
            "kilobytes" or "kb" or "kib" => 1L << 10,
            "megabytes" or "mb" or "mib" => 1L << 20,
            "gigabytes" or "gb" or "gib" => 1L << 30,
            "terabytes" or "tb" or "tib" => 1L << 40,
            _ => null,
        };
    }

    /// <summary><paramref name="quantity"/> × unit in bytes; null for a non-numeric quantity, unknown unit or overflow.</summary>
    public static long? ToBytes(string? quantity, string? units)
    {
        if (!long.TryParse(quantity?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var q)) return null;
        if (BytesPerUnit(units) is not { } f) return null;
        try
        {
            return checked(q * f);
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}

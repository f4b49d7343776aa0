namespace ActorMigration.Domain.Cluster;

/// <summary>What a hypervisor node reports about itself.</summary>
public sealed record NodeFacts(
    string Node,
    string Address,
    string Version,
    string CpuVendor,
    bool Online,
    int MaxCpu = 1,
    long MaxMem = 0,
    string Accelerator = "tcg");

/// <summary>
/// Debian package versions (<c>[epoch:]upstream[-revision]</c>) compared like dpkg: <c>~</c> sorts before
/// the end, letters before other characters, digit runs numerically. One addition keeps plain releases
/// numeric: a missing <c>.N</c> component counts as <c>.0</c> (<c>8.2</c> equals <c>8.2.0</c>).
/// </summary>
public static class PackageVersion
{
    public static int Compare(string a, string b)
    {
        var (ea, ua, ra) = Split(a);
        var (eb, ub, rb) = Split(b);
        if (ea != eb) return ea.CompareTo(eb);
        var c = VerRevCmp(ua, ub);
        return c != 0 ? c : VerRevCmp(ra, rb);
    }

    private static (long Epoch, string Upstream, string Revision) Split(string v)
    {
        v = v.Trim();
        long epoch = 0;
        var colon = v.IndexOf(':');
        if (colon > 0 && long.TryParse(v[..colon], out var e))
        {
            epoch = e;
            v = v[(colon + 1)..];
        }
        var dash = v.LastIndexOf('-');
        return dash < 0 ? (epoch, v, "") : (epoch, v[..dash], v[(dash + 1)..]);
    }

    // dpkg's order(): '~' < end < letters < everything else.
    private static int Order(char c) =>
        char.IsAsciiDigit(c) ? 0 : char.IsAsciiLetter(c) ? c : c == '~' ? -1 : c + 256;

    // dpkg's verrevcmp.
    private static int VerRevCmp(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            // ".N" against the end: compare N with 0 ("8.2" = "8.2.0").
            var aEnd = i >= a.Length;
            var bEnd = j >= b.Length;
            if (aEnd && IsDotNumber(b, j)) j++;
            else if (bEnd && IsDotNumber(a, i)) i++;
            else
            {
                while ((i < a.Length && !char.IsAsciiDigit(a[i])) || (j < b.Length && !char.IsAsciiDigit(b[j])))
                {
                    var ac = i < a.Length ? Order(a[i]) : 0;
                    var bc = j < b.Length ? Order(b[j]) : 0;
                    if (ac != bc) return ac - bc;
                    i++;
                    j++;
                }
            }
            while (i < a.Length && a[i] == '0') i++;
            while (j < b.Length && b[j] == '0') j++;
            var firstDiff = 0;
            while (i < a.Length && char.IsAsciiDigit(a[i]) && j < b.Length && char.IsAsciiDigit(b[j]))
            {
                if (firstDiff == 0) firstDiff = a[i] - b[j];
                i++;
                j++;
            }
            if (i < a.Length && char.IsAsciiDigit(a[i])) return 1;
            if (j < b.Length && char.IsAsciiDigit(b[j])) return -1;
            if (firstDiff != 0) return firstDiff;
        }
        return 0;
    }

    private static bool IsDotNumber(string s, int k) => k + 1 < s.Length && s[k] == '.' && char.IsAsciiDigit(s[k + 1]);
}

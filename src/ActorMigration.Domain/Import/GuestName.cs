using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Import;

/// <summary>Turns a foreign VM name into a Proxmox <c>dns-name</c>.</summary>
public static partial class GuestName
{
    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[^A-Za-z0-9\-.]")]
    private static partial Regex Invalid();

    /// <summary>
    /// Whitespace runs become <c>-</c>, other characters outside <c>[A-Za-z0-9.-]</c> are dropped
    /// (so <c>Win_2008-R2x64</c> becomes <c>Win2008-R2x64</c>, as Proxmox does), labels lose leading
    /// and trailing dashes. Null when nothing valid is left.
    /// </summary>
    public static string? ToDnsName(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var s = Invalid().Replace(Whitespace().Replace(raw.Trim(), "-"), "");
        var labels = s.Split('.').Select(l => l.Trim('-')).Where(l => l.Length > 0);
        var name = string.Join('.', labels);
        return name.Length == 0 ? null : name;
    }
}

using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Config;

/// <summary>A VM's <c>tags</c> (format pve-tag-list): each tag checked, stored as get_unique_tags writes them.</summary>
public static class Tags
{
    // PVE::JSONSchema's $PVE_TAG_RE, case-insensitive.
    private static readonly Regex TagRe = new(@"^[a-z0-9_][a-z0-9_\-\+\.]*\z", RegexOptions.Compiled | RegexOptions.IgnoreCase);

    /// <summary>pve_verify_tag's error for the first bad tag of the list, or null.</summary>
    public static string? Check(string value) =>
        PendingChanges.SplitList(value).Any(t => !TagRe.IsMatch(t)) ? "invalid characters in tag" : null;

    /// <summary>
    /// get_unique_tags with datacenter.cfg's defaults (tag-style unset): split on ',', ';' or white space, duplicates
    /// dropped ignoring case (the first spelling stays), sorted ignoring case, joined with ';'.
    /// </summary>
    public static string Normalize(string value)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var unique = PendingChanges.SplitList(value).Where(seen.Add).ToList();
        return string.Join(';', unique.OrderBy(t => t.ToLowerInvariant(), StringComparer.Ordinal));
    }
}

using System.Globalization;

namespace ActorMigration.Domain.Import;

/// <summary>One extent line of a VMDK descriptor: <c>RW 83886080 VMFS "x-flat.vmdk"</c>; <see cref="File"/> null for ZERO.</summary>
public sealed record VmdkExtent(string Access, long Sectors, string Type, string? File);

/// <summary>
/// A VMDK text descriptor (a descriptor file, or the one embedded in a sparse file): its create type, its extents and
/// the parent (backing) hint. Parsed wider than QEMU parses it, so that nothing QEMU would open is missed: every line
/// that starts with an access word and holds a quote is an extent, and one that cannot be read makes the parse fail.
/// </summary>
public sealed record VmdkDescriptor(string? CreateType, IReadOnlyList<VmdkExtent> Extents, string? ParentHint)
{
    private static readonly string[] Access = ["RW", "RDONLY", "NOACCESS"];
    private static readonly char[] Blanks = [' ', '\t', '\r', '\v', '\f'];

    /// <summary>Text that starts a descriptor (as QEMU and VMware write it).</summary>
    public static bool Looks(string text) =>
        text.Contains("# Disk DescriptorFile", StringComparison.Ordinal) || text.Contains("createType", StringComparison.Ordinal);

    /// <summary>Parses a descriptor; null when an extent line cannot be read (a sector count that does not fit, a quote left open).</summary>
    public static VmdkDescriptor? TryParse(string text)
    {
        string? createType = null, parent = null;
        var extents = new List<VmdkExtent>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (Value(line, "createType") is { } ct) createType = ct;
            if (Value(line, "parentFileNameHint") is { } p) parent = p;
            var words = line.Split(Blanks, 4, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 3 || !Access.Contains(words[0])) continue;
            if (!long.TryParse(words[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sectors) || sectors > long.MaxValue / 512)
                return null;
            var quote = line.IndexOf('"');
            string? file = null;
            if (quote >= 0)
            {
                var end = line.IndexOf('"', quote + 1);
                if (end < 0) return null;
                file = line[(quote + 1)..end];
            }
            var type = words[2].Split('"')[0];
            extents.Add(new VmdkExtent(words[0], sectors, type, file));
        }
        return new VmdkDescriptor(createType, extents, parent);
    }

    /// <summary>The files the extents name (ZERO extents name none).</summary>
    public IEnumerable<string> Files => Extents.Where(e => e.File is not null).Select(e => e.File!);

    /// <summary>The quoted value of <c>key="value"</c> (or unquoted), else null.</summary>
    private static string? Value(string line, string key)
    {
        if (!line.StartsWith(key, StringComparison.Ordinal)) return null;
        var rest = line[key.Length..].TrimStart();
        if (!rest.StartsWith('=')) return null;
        return rest[1..].Trim().Trim('"');
    }
}

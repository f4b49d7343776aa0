using System.Text.RegularExpressions;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Import;

/// <summary>Volume ids and manifest-relative references.</summary>
internal static partial class ImportPaths
{
    // Proxmox's safe file name characters (with whitespace), plus '/' for sub directories.
    [GeneratedRegex(@"^[ A-Za-z0-9\-.+=_/]+$")]
    private static partial Regex SafePath();

    public static readonly IReadOnlyList<string> DiskFormats = ["vmdk", "qcow2", "raw"];

    public static (string Storage, string VolName) SplitVolId(string volid)
    {
        if (!VolumeIdRef.TryParse(volid ?? "", out var v))
            throw new ArgumentException($"expected a volume id (storage:volname), got '{volid}'", nameof(volid));
        return (v.Storage, v.VolName);
    }

    public static string Directory(string volname)
    {
        var slash = volname.LastIndexOf('/');
        return slash < 0 ? "" : volname[..slash];
    }

    /// <summary>
    /// Resolves <paramref name="reference"/> against the directory of <paramref name="manifest"/>.
    /// Refuses absolute paths, URIs, unsafe characters and anything escaping that directory.
    /// </summary>
    public static string ResolveRelative(string manifest, string reference, string what)
    {
        var r = reference.Trim();
        if (r.Length == 0)
            throw new ImportException($"{what} has an empty file reference");
        if (r.StartsWith('/') || r.Contains('\\') || r.Contains(':'))
            throw new ImportException($"{what} refers to '{reference}': only paths relative to the directory of '{manifest}' are allowed");
        if (!SafePath().IsMatch(r))
            throw new ImportException($"{what} refers to '{reference}', which contains characters that are not allowed (allowed: letters, digits, " +
                $"space and - . + = _ /)");
        var dir = Directory(manifest);
        var parts = dir.Length == 0 ? new List<string>() : dir.Split('/').ToList();
        var floor = parts.Count;
        foreach (var seg in r.Split('/'))
        {
            if (seg is "" or ".") continue;
            if (seg == "..")
            {
                if (parts.Count == floor)
                    throw new ImportException($"{what} refers to '{reference}', which escapes the directory of '{manifest}'");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(seg);
        }
        if (parts.Count == floor)
            throw new ImportException($"{what} refers to '{reference}', which is not a file");
        return string.Join('/', parts);
    }

    /// <summary>Disk format from the file extension: vmdk, qcow2 or raw.</summary>
    public static string DiskFormat(string path, string what)
    {
        var ext = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
        if (!DiskFormats.Contains(ext))
            throw new ImportException($"{what} refers to '{path}': unsupported disk image format '{ext}' (supported: {string.Join(", ", DiskFormats)})");
        return ext;
    }
}

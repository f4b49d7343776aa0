using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Storage;

/// <summary>Dir-storage volume names, parsed as PVE::Storage::Plugin::parse_volname does.</summary>
public sealed record VolumeName(
    string Storage,
    string VolName,
    string VType,
    string Name,
    int? VmId,
    string? BaseName,
    int? BaseVmId,
    bool IsBase,
    string Format)
{
    // parse_name_dir: any "[base-]name.fmt"; snapshot files of volume chains are no volumes.
    // ASCII digits and \z: .NET's \d takes any Unicode digit (int.Parse then throws) and $ matches before a final newline.
    private static readonly Regex NameDir = new(@"^(base-)?[^/\s]+\.(raw|qcow2|vmdk)\z", RegexOptions.Compiled);
    private static readonly Regex SnapFile = new(@"^snap-.*\.qcow2\z", RegexOptions.Compiled);
    private static readonly Regex Linked = new(@"^([0-9]+)/([^/\s]+)/([0-9]+)/([^/\s]+)\z", RegexOptions.Compiled);
    private static readonly Regex Image = new(@"^([0-9]+)/([^/\s]+)\z", RegexOptions.Compiled);
    private static readonly Regex Iso = new(@"^iso/([^/]+\.(?:iso|img))$", RegexOptions.Compiled | RegexOptions.IgnoreCase);
    private static readonly Regex Backup = new(@"^backup/([^/]+\.(?:tgz|(?:tar|vma)(?:\.(?:gz|lzo|zst|bz2))?))$", RegexOptions.Compiled);
    private static readonly Regex BackupOwner = new(@"^vzdump-(?:openvz|lxc|qemu)-([0-9]+)-.+", RegexOptions.Compiled);
    private static readonly Regex Import = new(@"^import/(.+)$", RegexOptions.Compiled);
    private static readonly Regex Snippets = new(@"^snippets/([^/]+)\z", RegexOptions.Compiled);

    public string VolId => $"{Storage}:{VolName}";

    /// <summary>A VM id in a name (ASCII digits by the regexes); null when it does not fit an int (no VM has it).</summary>
    private static int? Id(string digits) => int.TryParse(digits, out var n) ? n : null;

    /// <summary>A name whose VM id does not fit an int: unparsable, as the API has always answered it.</summary>
    private static bool TooLarge(string volid, out string? error)
    {
        error = $"unable to parse volume ID '{volid}'";
        return false;
    }

    public static bool TryParse(string volid, out VolumeName? v, out string? error)
    {
        v = null;
        error = null;
        var colon = volid.IndexOf(':');
        if (colon <= 0 || !StorageConfig.StorageIdRe.IsMatch(volid[..colon]))
        {
            error = $"unable to parse volume ID '{volid}'";
            return false;
        }
        var storage = volid[..colon];
        var volname = volid[(colon + 1)..];
        Match m;
        if ((m = Linked.Match(volname)).Success)
        {
            var b = ParseNameDir(m.Groups[2].Value);
            var n = ParseNameDir(m.Groups[4].Value);
            if (b is null || n is null) return Fail(volname, out error);
            if (Id(m.Groups[3].Value) is not { } owner || Id(m.Groups[1].Value) is not { } baseOwner) return TooLarge(volid, out error);
            v = new VolumeName(storage, volname, "images", m.Groups[4].Value, owner, m.Groups[2].Value, baseOwner, n.Value.IsBase, n.Value.Format);
            return true;
        }
        if ((m = Image.Match(volname)).Success)
        {
            var n = ParseNameDir(m.Groups[2].Value);
            if (n is null) return Fail(volname, out error);
            if (Id(m.Groups[1].Value) is not { } owner) return TooLarge(volid, out error);
            v = new VolumeName(storage, volname, "images", m.Groups[2].Value, owner, null, null, n.Value.IsBase, n.Value.Format);
            return true;
        }
        if ((m = Iso.Match(volname)).Success)
        {
            v = new VolumeName(storage, volname, "iso", m.Groups[1].Value, null, null, null, false, "raw");
            return true;
        }
        if ((m = Backup.Match(volname)).Success)
        {
            var owner = BackupOwner.Match(m.Groups[1].Value);
            int? ownerId = null;
            if (owner.Success && (ownerId = Id(owner.Groups[1].Value)) is null) return TooLarge(volid, out error);
            v = new VolumeName(storage, volname, "backup", m.Groups[1].Value, ownerId, null, null, false, "raw");
            return true;
        }
        if ((m = Import.Match(volname)).Success)
        {
            var rel = m.Groups[1].Value;
            if (rel.Split('/').Any(seg => seg is ".." or "." or ""))
                return Fail(volname, out error);
            var ext = Path.GetExtension(rel).TrimStart('.').ToLowerInvariant();
            v = new VolumeName(storage, volname, "import", rel, null, null, null, false, ext);
            return true;
        }
        if ((m = Snippets.Match(volname)).Success && m.Groups[1].Value is not ("." or ".."))
        {
            v = new VolumeName(storage, volname, "snippets", m.Groups[1].Value, null, null, null, false, "raw");
            return true;
        }
        return Fail(volname, out error);
    }

    private static (bool IsBase, string Format)? ParseNameDir(string name)
    {
        var m = NameDir.Match(name);
        if (!m.Success || SnapFile.IsMatch(name)) return null;
        return (m.Groups[1].Success, m.Groups[2].Value);
    }

    private static bool Fail(string volname, out string? error)
    {
        error = $"unable to parse directory volume name '{volname}'";
        return false;
    }

    public static VolumeName Parse(string volid) =>
        TryParse(volid, out var v, out var e) ? v! : throw new FormatException(e);

    /// <summary>Relative path inside the storage directory.</summary>
    public string RelativePath => VType switch
    {
        "images" => $"images/{VmId}/{Name}",
        "iso" => $"template/iso/{Name}",
        "backup" => $"dump/{Name}",
        "import" => $"import/{Name}",
        "snippets" => $"snippets/{Name}",
        _ => throw new InvalidOperationException(VType)
    };

    /// <summary>Path of this volume on <paramref name="node"/>.</summary>
    public string PathOn(StorageDefinition storage, string node) =>
        Path.Combine(storage.PathOn(node), RelativePath);

    /// <summary>Volid of the base image of a linked clone.</summary>
    public string? BaseVolId => BaseName is null ? null : $"{Storage}:{BaseVmId}/{BaseName}";

    public static string ImageVolId(string storage, int vmid, string name) => $"{storage}:{vmid}/{name}";

    public static string DiskName(int vmid, int n, string format, bool isBase = false) =>
        $"{(isBase ? "base" : "vm")}-{vmid}-disk-{n}.{format}";

    /// <summary>Disk number in a volume file name such as <c>vm-100-disk-3.qcow2</c>.</summary>
    public static int? TryParseDiskNumber(string name)
    {
        var m = Regex.Match(name, @"^(?:base|vm)-[0-9]+-disk-([0-9]+)\.");
        return m.Success && int.TryParse(m.Groups[1].Value, out var n) ? n : null;
    }

    /// <summary>Disk number of a <c>vm-100-disk-N.fmt</c> name.</summary>
    public int? DiskNumber
    {
        get
        {
            var m = Regex.Match(Name, @"^(?:base|vm)-[0-9]+-disk-([0-9]+)\.");
            return m.Success && int.TryParse(m.Groups[1].Value, out var n) ? n : null;
        }
    }
}

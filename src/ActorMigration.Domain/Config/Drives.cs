using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Config;

/// <summary>Disk keys of a qm config and their values.</summary>
public static class Drives
{
    /// <summary>Drive::valid_drive_names, in its order: ide0-3, sata0-5, scsi0-30, virtio0-15, efidisk0, tpmstate0.</summary>
    public static readonly IReadOnlyList<string> ValidDriveNames =
    [
        .. Enumerable.Range(0, 4).Select(i => $"ide{i}"), .. Enumerable.Range(0, 6).Select(i => $"sata{i}"),
        .. Enumerable.Range(0, 31).Select(i => $"scsi{i}"), .. Enumerable.Range(0, 16).Select(i => $"virtio{i}"), "efidisk0", "tpmstate0",
    ];

    /// <summary>The disk keys of a config: the valid drive names and unused0-255.</summary>
    private static readonly HashSet<string> DriveKeys =
        [.. ValidDriveNames, .. Enumerable.Range(0, 256).Select(i => $"unused{i}")];

    public static bool IsDriveKey(string key) => DriveKeys.Contains(key);
    public static bool IsUnused(string key) => key.StartsWith("unused", StringComparison.Ordinal) && DriveKeys.Contains(key);

    /// <summary>Bus of a drive key: ide, sata, scsi, virtio, efidisk, tpmstate, unused.</summary>
    public static string Bus(string key) => new string(key.TakeWhile(char.IsLetter).ToArray());

    public static int Index(string key) =>
        int.Parse(new string(key.SkipWhile(char.IsLetter).ToArray()), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Drive keys in Proxmox order (ide, sata, scsi, virtio, efidisk, tpmstate, unused). A stored value that is
    /// no property string is skipped, as parse_vm_config skips a value it cannot parse.
    /// </summary>
    public static IEnumerable<(string Key, DriveSpec Drive)> All(QmSection section, bool includeUnused = true)
    {
        string[] order = ["ide", "sata", "scsi", "virtio", "efidisk", "tpmstate", "unused"];
        return section.Keys
            .Where(IsDriveKey)
            .Where(k => includeUnused || !IsUnused(k))
            .OrderBy(k => Array.IndexOf(order, Bus(k)))
            .ThenBy(Index)
            .Select(k => (Key: k, Drive: DriveSpec.TryParse(section[k]!)))
            .Where(d => d.Drive is not null)
            .Select(d => (d.Key, d.Drive!));
    }
}

/// <summary>A drive value such as <c>local:100/vm-100-disk-0.qcow2,size=4G</c>.</summary>
public sealed class DriveSpec
{
    private static readonly Regex AllocationRe = new(@"^([a-z][a-z0-9\-_\.]*[a-z0-9]):([0-9]+(?:\.[0-9]+)?)\z", RegexOptions.Compiled);
    public PropertyString Props { get; }

    private DriveSpec(PropertyString props) => Props = props;

    public static DriveSpec Parse(string value) => new(PropertyString.Parse(value, "file"));

    /// <summary>For readers of stored configs: a value that is no property string gives null.</summary>
    public static DriveSpec? TryParse(string value)
    {
        try
        {
            return Parse(value);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public string File
    {
        get => Props["file"] ?? "";
        set => Props["file"] = value;
    }

    public bool IsCdrom => Props["media"] == "cdrom";
    public bool IsNone => File == "none" || File == "cdrom";
    public string? ImportFrom => Props["import-from"];

    /// <summary>A host file or block device (<c>/dev/sde</c>), not a storage volume.</summary>
    public bool IsHostPath => File.StartsWith('/');

    public long? SizeBytes
    {
        get => Props["size"] is { } s && SizeFormat.TryParse(s, out var b) ? b : null;
        set => Props["size"] = value is null ? null : SizeFormat.Format(value.Value);
    }

    /// <summary>The volume id if the file is a <c>storage:volname</c>, else null.</summary>
    public VolumeIdRef? Volume => IsNone ? null : VolumeIdRef.TryParse(File, out var v) ? v : null;

    /// <summary>"storage:size-in-GiB" allocation request, as in <c>local:4</c>.</summary>
    public bool IsAllocation(out string storage, out double sizeGiB)
    {
        storage = "";
        sizeGiB = 0;
        var m = AllocationRe.Match(File);
        if (!m.Success) return false;
        storage = m.Groups[1].Value;
        sizeGiB = double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }

    public override string ToString() => Props.Print("file");
}

/// <summary>A parsed <c>storage:volname</c> reference (syntax only).</summary>
public readonly record struct VolumeIdRef(string Storage, string VolName)
{
    private static readonly Regex Re = new(@"^([a-z][a-z0-9\-_\.]*[a-z0-9]):(.+)\z", RegexOptions.Compiled);

    public static bool TryParse(string text, out VolumeIdRef v)
    {
        var m = Re.Match(text);
        v = m.Success ? new VolumeIdRef(m.Groups[1].Value, m.Groups[2].Value) : default;
        return m.Success;
    }

    public override string ToString() => $"{Storage}:{VolName}";
}

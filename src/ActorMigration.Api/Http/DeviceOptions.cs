using ActorMigration.Domain.Config;

namespace ActorMigration.Api.Http;

/// <summary>
/// The sub-options of drive and NIC property strings with their types and ranges, as qemu-server's drive and net
/// formats declare them. A bad value is named with its key, as pve-common does: <c>tag: value must have a minimum value of 1</c>.
/// </summary>
public static class DeviceOptions
{
    private static readonly ParamSpec[] Drive =
    [
        new("file"), new("size"), new("import-from"),
        new("media", Enum: ["disk", "cdrom"]),
        new("format", Enum: ["raw", "qcow2", "vmdk"]),
        new("cache", Enum: ["none", "writethrough", "writeback", "unsafe", "directsync"]),
        new("discard", Enum: ["ignore", "on"]),
        new("aio", Enum: ["native", "threads", "io_uring"]),
        new("rerror", Enum: ["ignore", "report", "stop"]),
        new("werror", Enum: ["enospc", "ignore", "report", "stop"]),
        new("trans", Enum: ["none", "lba", "auto"]),
        new("efitype", Enum: ["2m", "4m"]),
        new("version", Enum: ["v1.2", "v2.0"]),
        new("iothread", PType.Boolean), new("ssd", PType.Boolean), new("backup", PType.Boolean),
        new("replicate", PType.Boolean), new("snapshot", PType.Boolean), new("ro", PType.Boolean),
        new("shared", PType.Boolean), new("detect_zeroes", PType.Boolean), new("pre-enrolled-keys", PType.Boolean),
        new("serial", MaxLength: 60, Pattern: @"[-%a-zA-Z0-9_ ]+"),
        new("wwn", Pattern: @"(?:0x)?[0-9a-fA-F]{16}"),
        new("model", MaxLength: 40, Pattern: @"[-%a-zA-Z0-9_ ]+"),
        new("product", MaxLength: 16, Pattern: @"[A-Za-z0-9\-_\s]+"),
        new("vendor", MaxLength: 8, Pattern: @"[A-Za-z0-9\-_\s]+"),
        new("queues", PType.Integer, Min: 2, Max: 16),
        new("mbps", PType.Number, Min: 1),
        new("iops", PType.Integer, Min: 10),
        new("heads", PType.Integer, Min: 0, Max: 16),
        new("secs", PType.Integer, Min: 0, Max: 63),
        new("cyls", PType.Integer, Min: 0, Max: 65535),
    ];

    private static readonly ParamSpec[] Net =
    [
        new("macaddr", Check: v => NetSpec.IsValidMac(v) ? null : $"invalid MAC address '{v}'"),
        new("bridge", Pattern: @"[-_.\w]+"),
        new("firewall", PType.Boolean),
        new("link_down", PType.Boolean),
        new("mtu", PType.Integer, Min: 1, Max: 65520),
        new("queues", PType.Integer, Min: 0, Max: 64),
        new("rate", PType.Number, Min: 0),
        new("tag", PType.Integer, Min: 1, Max: 4094),
        new("trunks", Pattern: @"[0-9]+(?:-[0-9]+)?(?:;[0-9]+(?:-[0-9]+)?)*"),
    ];

    private static readonly Dictionary<string, ParamSpec> DriveSpecs = Drive.ToDictionary(s => s.Name);
    private static readonly Dictionary<string, ParamSpec> NetSpecs = Net.ToDictionary(s => s.Name);

    /// <summary>The first drive sub-option that is unknown or has a bad value, or null.</summary>
    public static string? CheckDrive(PropertyString props) => Check(props, DriveSpecs, "drive");

    /// <summary>The first NIC sub-option (besides the model) that is unknown or has a bad value, or null.</summary>
    public static string? CheckNet(PropertyString props) => Check(props, NetSpecs, "network");

    private static string? Check(PropertyString props, Dictionary<string, ParamSpec> specs, string what)
    {
        foreach (var (k, v) in props.Items)
        {
            if (!specs.TryGetValue(k, out var spec)) return $"unknown {what} option '{k}'";
            // file, size and import-from have checks of their own where they are used.
            if (spec.Type == PType.String && spec.Enum is null && spec.Pattern is null && spec.Check is null && spec.MaxLength is null) continue;
            // A check of our own words its message whole; a schema failure is named with its key.
            if (ParamSchema.CheckValue(spec, v) is { } e) return spec.Check is null ? $"{k}: {e.TrimEnd('\n')}" : e;
        }
        return null;
    }
}

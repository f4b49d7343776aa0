using System.Text.RegularExpressions;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Api.Http;

/// <summary>The VM options a config create/update accepts, with Proxmox's checks.</summary>
public static class VmOptions
{
    private static readonly string[] OsTypes = ["other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10", "win11", "l24", "l26", "solaris"];
    private static readonly string[] ScsiHw = ["lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single", "megasas", "pvscsi"];
    // Proxmox's ranges (hostpci0-15, usb0-13, serial0-3, parallel0-2, ipconfig0-31), ASCII digits only.
    private static readonly Regex DeviceKey = new(
        @"^(hostpci([0-9]|1[0-5])|usb([0-9]|1[0-3])|serial[0-3]|parallel[0-2]|ipconfig([0-9]|[12][0-9]|3[01]))\z", RegexOptions.Compiled);

    /// <summary>qemu-server's machine type pattern (matched in ECMAScript mode: ASCII digits).</summary>
    public const string MachinePattern =
        @"(pc|pc(-i440fx)?-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|q35|pc-q35-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|virt(?:-\d+(\.\d+)+)?(\+pve\d+)?)";

    /// <summary>Every settable option; drive values are checked against the storage configuration.</summary>
    public static IEnumerable<ParamSpec> Fixed() =>
    [
        new("name", Format: Formats.DnsName, MaxLength: 128),
        new("memory", Format: v => ParamSchema.TryInteger(PropertyString.Parse(v, "current")["current"] ?? "", out var m) && m >= 16 && m <= int.MaxValue
            ? null : "value must be an integer of at least 16"),
        new("cores", PType.Integer, Min: 1, Max: 8192),
        new("sockets", PType.Integer, Min: 1, Max: 4096),
        new("vcpus", PType.Integer, Min: 1, Max: 8192),
        new("cpu", MaxLength: 256, Format: CpuModel.Check),
        new("ostype", Enum: OsTypes),
        new("description", MaxLength: 8192, MultiLine: true),
        new("tags", MaxLength: 1024, Format: Tags.Check),
        new("onboot", PType.Boolean),
        new("template", PType.Boolean),
        new("vmgenid", Pattern: @"(?:[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[01])"),
        new("smbios1", MaxLength: 512, Format: v => PropertyString.Parse(v)["uuid"] is { } u && !Guid.TryParse(u, out _) ? "invalid uuid" : null),
        new("boot", MaxLength: 256, Format: BootOrder.Check),
        new("bootdisk", Format: BootOrder.CheckBootDisk),
        new("machine", Pattern: MachinePattern),
        new("arch", Enum: VmArch.Values),
        new("bios", Enum: ["seabios", "ovmf"]),
        new("args", MaxLength: 4096),
        new("scsihw", Enum: ScsiHw),
        new("agent", MaxLength: 256),
        new("balloon", PType.Integer, Min: 0),
        new("kvm", PType.Boolean),
        new("acpi", PType.Boolean),
        new("numa", PType.Boolean),
        new("protection", PType.Boolean),
        new("tablet", PType.Boolean),
        new("localtime", PType.Boolean),
        new("startup", MaxLength: 256),
        new("vga", MaxLength: 256),
        new("keyboard", MaxLength: 16),
        new("hotplug", MaxLength: 256, Format: v => HotplugFeatures.Check(v, out _)),
        new("cpulimit", PType.Number, Min: 0, Max: 128),
        new("cpuunits", PType.Integer, Min: 1, Max: 262144),
        // Seconds (default 0.1) and MiB/s (0: no limit), read by prepare (LiveMigrationLimits).
        new("migrate_downtime", PType.Number, Min: 0),
        new("migrate_speed", PType.Integer, Min: 0),
        .. CloudInitOptions.Fixed(),
        new("lock", Enum: ["backup", "clone", "create", "migrate", "rollback", "snapshot", "snapshot-delete", "suspending", "suspended"]),
    ];

    public static ParamSpec? Dynamic(string key, StorageConfig storage)
    {
        if (NetSpec.IsNetKey(key)) return new ParamSpec(key, Format: CheckNet);
        if (Drives.IsDriveKey(key))
            return new ParamSpec(key, Check: v => CheckDrive(key, v, storage));
        if (CloudInitOptions.Dynamic(key) is { } ci) return ci;
        if (DeviceKey.IsMatch(key)) return new ParamSpec(key, MaxLength: 1024);
        return null;
    }

    public static string? CheckNet(string value)
    {
        NetSpec n;
        try
        {
            n = NetSpec.Parse(value);
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        if (!NetSpec.Models.Contains(n.Model)) return $"unknown network model '{n.Model}'";
        return DeviceOptions.CheckNet(n.Props);
    }

    public static string? CheckDrive(string key, string value, StorageConfig storage)
    {
        DriveSpec d;
        try
        {
            d = DriveSpec.Parse(value);
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        if (DeviceOptions.CheckDrive(d.Props) is { } oe) return oe;
        if (d.Props["size"] is { } sz && !SizeFormat.TryParse(sz, out _)) return $"size: unable to parse size '{sz}'";
        if (CloudInitDrive.IsRequest(d, out var ciStorage))
        {
            if (!CloudInitDrive.BusAllowed(key)) return $"{key}: cloud-init drives are only allowed on ide, sata and scsi";
            if (storage.Get(ciStorage) is not { } ciDef) return $"storage '{ciStorage}' does not exist";
            if (!ciDef.HasContent("images")) return $"storage '{ciStorage}' does not support vm images";
            return d.Props["format"] is null or "qcow2" or "raw" ? null : $"format: cloud-init drives are qcow2 or raw";
        }
        if (d.IsNone) return d.IsCdrom || Drives.Bus(key) is "ide" or "sata" or "scsi" ? null : "'none' is only allowed for cdrom drives";
        if (d.IsAllocation(out var sid, out var gib))
        {
            if (Drives.IsUnused(key)) return "unused disks must reference a volume";
            if (storage.Get(sid) is not { } def) return $"storage '{sid}' does not exist";
            if (!def.HasContent("images")) return $"storage '{sid}' does not support vm images";
            if (gib * SizeFormat.GiB >= long.MaxValue) return "size is too large";
            if (d.ImportFrom is { } src)
            {
                if (gib != 0) return "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>";
                if (!VolumeName.TryParse(src, out var sv, out var se)) return se;
                if (storage.Get(sv!.Storage) is null) return $"storage '{sv.Storage}' does not exist";
                return sv.VType is "import" or "images" ? null : $"cannot import from volume '{src}'";
            }
            return gib <= 0 ? "size must be greater than 0" : null;
        }
        if (d.ImportFrom is not null) return "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>";
        if (d.IsHostPath) return Drives.IsUnused(key) || Drives.Bus(key) is "efidisk" or "tpmstate" ? $"unable to parse volume ID '{d.File}'" : null;
        if (!VolumeName.TryParse(d.File, out var vn, out var err)) return err;
        if (storage.Get(vn!.Storage) is null) return $"storage '{vn.Storage}' does not exist";
        if (d.IsCdrom && vn.VType == "images" && CloudInitDrive.IsAnyCloudInit(d.File)) return null;
        if (d.IsCdrom ? vn.VType != "iso" : vn.VType != "images") return $"volume '{d.File}' has wrong content type '{vn.VType}'";
        return null;
    }


    /// <summary>A schema of all VM options plus the endpoint's own parameters.</summary>
    public static ParamSchema Schema(StorageConfig storage, params ParamSpec[] own) =>
        new(Fixed().Select(AsStored).Concat(own).ToArray()) { Dynamic = k => Dynamic(k, storage) is { } d ? AsStored(d) : null };

    /// <summary>A VM option's value becomes a config line and must read back as sent.</summary>
    private static ParamSpec AsStored(ParamSpec s) => s with { Stored = true };

    public static bool IsVmOption(string key, StorageConfig storage) =>
        Fixed().Any(s => s.Name == key) || Dynamic(key, storage) is not null;
}

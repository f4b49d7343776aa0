using System.Text.RegularExpressions;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Api.Http;

/// <summary>
/// Who may set or delete which VM config key, as qemu-server's <c>check_vm_modify_config_perm</c> and its serial, usb,
/// hostpci and drive checks decide. The one home of the root-only config keys: a key that is in no category below
/// (<c>args</c>, <c>lock</c>, <c>arch</c>, <c>vmgenid</c>, <c>parallelN</c>, <c>hookscript</c>, <c>affinity</c>, and any
/// key added later) is for <c>root@pam</c> only, as is a serial port other than <c>socket</c>, a USB host device other than
/// <c>spice</c>, a PCI host device and a drive on a host path. A refusal is 403 with Proxmox's text and comes before any
/// change.
/// </summary>
public static class ConfigAccess
{
    public const string CpuPriv = "VM.Config.CPU";
    public const string MemoryPriv = "VM.Config.Memory";
    public const string HwTypePriv = "VM.Config.HWType";
    public const string OptionsPriv = "VM.Config.Options";
    public const string DiskPriv = "VM.Config.Disk";
    public const string CdromPriv = "VM.Config.CDROM";
    public const string NetworkPriv = "VM.Config.Network";
    public const string CloudinitPriv = "VM.Config.Cloudinit";

    /// <summary>qemu-server's <c>$vm_config_perm_list</c>: one of them lets a caller reach the config edit at all.</summary>
    public static readonly string[] AnyConfigPriv = [DiskPriv, CdromPriv, CpuPriv, MemoryPriv, NetworkPriv, HwTypePriv, OptionsPriv, CloudinitPriv];

    /// <summary>Proxmox's option categories ($cpuoptions, $memoryoptions, $hwtypeoptions, $generaloptions, $diskoptions).</summary>
    private static readonly Dictionary<string, string> Category = new(StringComparer.Ordinal)
    {
        ["cores"] = CpuPriv, ["cpu"] = CpuPriv, ["cpulimit"] = CpuPriv, ["cpuunits"] = CpuPriv, ["numa"] = CpuPriv,
        ["smp"] = CpuPriv, ["sockets"] = CpuPriv, ["vcpus"] = CpuPriv, ["runningcpu"] = CpuPriv,
        ["memory"] = MemoryPriv, ["balloon"] = MemoryPriv, ["shares"] = MemoryPriv, ["allow-ksm"] = MemoryPriv,
        ["acpi"] = HwTypePriv, ["hotplug"] = HwTypePriv, ["kvm"] = HwTypePriv, ["machine"] = HwTypePriv, ["scsihw"] = HwTypePriv,
        ["smbios1"] = HwTypePriv, ["tablet"] = HwTypePriv, ["vga"] = HwTypePriv, ["watchdog"] = HwTypePriv,
        ["audio0"] = HwTypePriv, ["runningmachine"] = HwTypePriv,
        ["agent"] = OptionsPriv, ["autostart"] = OptionsPriv, ["bios"] = OptionsPriv, ["description"] = OptionsPriv,
        ["keyboard"] = OptionsPriv, ["localtime"] = OptionsPriv, ["migrate_downtime"] = OptionsPriv, ["migrate_speed"] = OptionsPriv,
        ["name"] = OptionsPriv, ["onboot"] = OptionsPriv, ["ostype"] = OptionsPriv, ["protection"] = OptionsPriv,
        ["reboot"] = OptionsPriv, ["startdate"] = OptionsPriv, ["startup"] = OptionsPriv, ["tdf"] = OptionsPriv,
        ["template"] = OptionsPriv, ["tags"] = OptionsPriv,
        ["boot"] = DiskPriv, ["bootdisk"] = DiskPriv, ["vmstatestorage"] = DiskPriv,
    };


    private static readonly Regex NumberedKey = new(@"^(net|ipconfig|serial|usb|hostpci|numa)[0-9]+\z", RegexOptions.Compiled);

    /// <summary>check_volume_access: a host path (<c>/dev/sde</c>) is for root only.</summary>
    public const string HostPathRootOnly = "Only root can pass arbitrary filesystem paths.";

    /// <summary>
    /// The refusal for setting <paramref name="set"/> and deleting <paramref name="delete"/> on VM <paramref name="vmid"/>,
    /// or null. <paramref name="current"/> reads the stored value of a key (null at create); a device that is replaced or
    /// deleted is judged by its old value too, as Proxmox does. At create (<paramref name="creating"/>) drives need only
    /// the storage privilege, as in Proxmox's <c>check_storage_access</c>.
    /// </summary>
    public static IResult? Check(HttpContext ctx, int vmid, IReadOnlyDictionary<string, string> set, IEnumerable<string> delete,
        Func<string, string?> current, bool creating = false) =>
        Check(ctx.Caller(), ctx.Permissions(), vmid, set, delete, current, creating);

    public static IResult? Check(Caller caller, IPermissions perms, int vmid, IReadOnlyDictionary<string, string> set,
        IEnumerable<string> delete, Func<string, string?> current, bool creating = false)
    {
        if (caller.IsRootUser) return null;
        var vm = $"/vms/{vmid}";
        string? Need(params string[] privs) => Access.Denied(caller, perms, vm, privs);
        foreach (var key in delete.Order(StringComparer.Ordinal))
            if (Refusal(key, null, current(key), deleting: true) is { } r) return r;
        foreach (var (key, value) in set.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (Refusal(key, value, current(key), deleting: false) is { } r) return r;
        return null;

        IResult? Refusal(string key, string? value, string? old, bool deleting)
        {
            if (Drives.IsDriveKey(key)) return DriveRefusal(value ?? old, deleting);
            var family = NumberedKey.Match(key) is { Success: true } m ? m.Groups[1].Value : null;
            switch (family)
            {
                case "net": return Denied(Need(NetworkPriv));
                case "ipconfig": return Denied(Access.Denied(caller, perms, vm, [CloudinitPriv, NetworkPriv], any: true));
                case "numa": return Denied(Need(CpuPriv));
                case "serial":
                    if ((old is null || old == "socket") && (deleting || value == "socket")) return Denied(Need(HwTypePriv));
                    return Access.RootOnly($"only root can {(deleting ? "delete" : old is null ? "set" : "modify")} '{key}' config for real devices");
                case "usb": return (old is null ? null : UsbRefusal(key, old)) ?? (deleting ? null : UsbRefusal(key, value!));
                case "hostpci": return (old is null ? null : HostPciRefusal(key, old)) ?? (deleting ? null : HostPciRefusal(key, value!));
            }
            if (CloudInitChanges.Options.Contains(key)) return Denied(Access.Denied(caller, perms, vm, [CloudinitPriv, NetworkPriv], any: true));
            if (Category.TryGetValue(key, out var priv))
                return Denied(Need(priv)) ?? (key == "startup" ? Denied(Access.Denied(caller, perms, "/", ["Sys.Modify"])) : null);
            return Access.RootOnly($"only root can set '{key}' config");
        }

        IResult? DriveRefusal(string? value, bool deleting)
        {
            var d = value is null ? null : DriveSpec.TryParse(value);
            if (!deleting && d is { IsHostPath: true }) return Access.RootOnly(HostPathRootOnly);
            if (!creating && Denied(Need(d?.IsCdrom == true ? CdromPriv : DiskPriv)) is { } r) return r;
            if (deleting || d is null || d.IsNone) return null;
            if (!d.IsAllocation(out var sid, out _)) return Denied(VolumeDenied(caller, perms, vmid, d.File));
            return Denied(Access.Denied(caller, perms, $"/storage/{sid}", ["Datastore.AllocateSpace"])
                ?? (d.ImportFrom is { } src ? VolumeDenied(caller, perms, vmid, src) : null));
        }

        IResult? UsbRefusal(string key, string value)
        {
            if (Denied(Need(HwTypePriv)) is { } r) return r;
            if (Property(value, "host", "host") is { } host)
                return host.Equals("spice", StringComparison.OrdinalIgnoreCase) ? null
                    : Access.RootOnly($"only root can set '{key}' config for real devices");
            return Property(value, "host", "mapping") is { } map
                ? Denied(Access.Denied(caller, perms, $"/mapping/usb/{map}", ["Mapping.Use"]))
                : Access.RootOnly("either 'host' or 'mapping' must be set.");
        }

        IResult? HostPciRefusal(string key, string value)
        {
            if (Property(value, "host", "host") is not null)
                return Access.RootOnly($"only root can set '{key}' config for non-mapped devices");
            if (Property(value, "host", "mapping") is not { } map) return Access.RootOnly("either 'host' or 'mapping' must be set.");
            if (Denied(Access.Denied(caller, perms, $"/mapping/pci/{map}", ["Mapping.Use"]) ?? Need(HwTypePriv)) is { } r) return r;
            return Property(value, "host", "romfile") is null ? null : PveResult.ParamError(key, "only root@pam can set 'romfile' option");
        }
    }

    /// <summary>
    /// pve-storage's check_volume_access: whether the caller may use an existing volume in VM <paramref name="vmid"/>.
    /// A storage administrator (<c>Datastore.Allocate</c>) may use any; ISOs, templates and import sources need
    /// <c>Datastore.AllocateSpace</c> or <c>Datastore.Audit</c>; the VM's own disks are free; a backup needs
    /// <c>Datastore.AllocateSpace</c> and <c>VM.Backup</c> on the VM it belongs to; anything else (another VM's disk)
    /// <c>Datastore.Allocate</c>. Null when allowed or when the volid does not parse (the schema refuses it).
    /// </summary>
    public static string? VolumeDenied(Caller caller, IPermissions perms, int? vmid, string volid)
    {
        if (caller.IsRootUser || !VolumeName.TryParse(volid, out var v, out _)) return null;
        var storage = $"/storage/{v!.Storage}";
        if (Access.Denied(caller, perms, storage, ["Datastore.Allocate"]) is null) return null;
        if (v.VType is "iso" or "vztmpl" or "import")
            return Access.Denied(caller, perms, storage, ["Datastore.AllocateSpace", "Datastore.Audit"], any: true);
        if (v.VmId is { } owner && owner == vmid) return null;
        if (v.VType == "backup" && v.VmId is { } backupOf)
            return Access.Denied(caller, perms, storage, ["Datastore.AllocateSpace"])
                ?? Access.Denied(caller, perms, $"/vms/{backupOf}", ["VM.Backup"]);
        return Access.Denied(caller, perms, storage, ["Datastore.Allocate"]);
    }

    private static IResult? Denied(string? what) => what is null ? null : Access.Forbidden(what);

    /// <summary>A sub-option of a device's property string; an unparsable value counts as a host device.</summary>
    private static string? Property(string value, string defaultKey, string key)
    {
        try
        {
            return PropertyString.Parse(value, defaultKey)[key];
        }
        catch (FormatException)
        {
            return key == defaultKey ? value : null;
        }
    }
}

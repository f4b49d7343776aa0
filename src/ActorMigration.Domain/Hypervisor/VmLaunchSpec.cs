using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Hypervisor;

public sealed record DiskLaunch(string Drive, string Bus, int Index, string? Path, string Format, bool ReadOnly, bool Cdrom, long SizeBytes);

/// <summary>A NIC to start; without <see cref="Mac"/> QEMU picks its default (as qemu-server, which never invents one).
/// With a <see cref="Bridge"/> it is a tap on that bridge (<see cref="TapPlan"/>); <see cref="RateMBps"/> is Proxmox's rate (MB/s).</summary>
public sealed record NicLaunch(string Name, string Model, string? Mac, string? Bridge = null, int? Tag = null, double? RateMBps = null,
    int? Mtu = null, bool LinkDown = false, bool Firewall = false);

/// <summary>
/// Start the VM waiting for an incoming migration; export <see cref="NbdDrives"/> for drive-mirror; <see cref="PostCopy"/>: the
/// incoming side takes post-copy (QEMU needs postcopy-ram on both ends), set only for a migration that allows it.
/// </summary>
public sealed record IncomingSpec(string ListenHost, IReadOnlyList<string> NbdDrives, bool PostCopy = false);

/// <summary>
/// Everything a driver needs to start a VM, derived from its qm config. <see cref="Agent"/>: the guest agent channel's
/// type (virtio, isa) when the <c>agent</c> option enables it, else null.
/// </summary>
public sealed record VmLaunchSpec(
    int VmId,
    string Name,
    long MemoryMiB,
    int Cores,
    int Sockets,
    string? Machine,
    string? VmGenId,
    string? SmbiosUuid,
    IReadOnlyList<DiskLaunch> Disks,
    IReadOnlyList<NicLaunch> Nics,
    string? Args = null,
    IncomingSpec? Incoming = null,
    string? Tag = null,
    string? Bios = null,
    string? TpmVersion = null,
    string? Cpu = null,
    string? OsType = null,
    string? LoadVm = null,
    IReadOnlyDictionary<string, int>? BootIndexes = null,
    string? Agent = null)
{
    /// <summary>The <c>bootindex</c> of a drive or NIC (<see cref="BootOrder.DeviceIndexes"/>), or null.</summary>
    public int? BootIndex(string device) => BootIndexes is not null && BootIndexes.TryGetValue(device, out var i) ? i : null;

    /// <summary>Builds the spec from a config; <paramref name="resolve"/> maps a volid to (path, format, size).</summary>
    public static VmLaunchSpec FromConfig(int vmid, QmConfig config, Func<string, (string Path, string Format, long Size)> resolve)
    {
        var c = config.Main;
        if (VmArch.StartError(c) is { } archError) throw new InvalidOperationException(archError);
        var memory = long.TryParse(c["memory"], out var m) ? m : 512;
        var cores = int.TryParse(c["cores"], out var co) ? co : 1;
        var sockets = int.TryParse(c["sockets"], out var so) ? so : 1;
        var disks = new List<DiskLaunch>();
        foreach (var (key, d) in Drives.All(c, includeUnused: false))
        {
            // efidisk0 and tpmstate0 are drives of the running VM too (pflash vars, swtpm state): mirrored like any disk.
            var bus = Drives.Bus(key);
            if (d.IsHostPath)
            {
                disks.Add(new DiskLaunch(key, bus, Drives.Index(key), d.File, "raw", d.IsCdrom || config.IsTemplate, d.IsCdrom, 0));
                continue;
            }
            if (d.IsNone || d.Volume is null)
            {
                if (d.IsCdrom) disks.Add(new DiskLaunch(key, bus, Drives.Index(key), null, "raw", true, true, 0));
                continue;
            }
            var (path, format, size) = resolve(d.File);
            // A cdrom is read as raw, whatever a probe says (no format probing of user files); a cloud-init drive
            // has the format of its name (qcow2 or raw), as qemu-server writes it.
            if (d.IsCdrom) format = CloudInit.CloudInitDrive.IsAnyCloudInit(d.File) ? Storage.VolumeName.Parse(d.File).Format : "raw";
            disks.Add(new DiskLaunch(key, bus, Drives.Index(key), path, format, d.IsCdrom || config.IsTemplate, d.IsCdrom, size));
        }
        var nics = new List<NicLaunch>();
        foreach (var key in c.Keys.Where(NetSpec.IsNetKey).OrderBy(k => int.Parse(k[3..])))
        {
            nics.Add(TapPlan.FromConfig(key, c[key]!));
        }
        var vmgenid = c["vmgenid"] is { } g && g != "0" ? g : null;
        var smbios = c["smbios1"] is { } s ? PropertyString.Parse(s)["uuid"] : null;
        // tpmstate0's version (Proxmox's default v1.2) decides swtpm's TPM generation.
        var tpm = Drives.All(c, includeUnused: false).FirstOrDefault(x => x.Key == "tpmstate0").Drive;
        return new VmLaunchSpec(vmid, config.Name(vmid), memory, cores, sockets, c["machine"], vmgenid, smbios,
            disks, nics, c["args"], Bios: c["bios"], TpmVersion: tpm is null ? null : tpm.Props["version"] ?? "v1.2",
            Cpu: c["cpu"], OsType: c["ostype"], BootIndexes: BootOrder.DeviceIndexes(c),
            Agent: GuestAgent.Channel(c["agent"]));
    }
}

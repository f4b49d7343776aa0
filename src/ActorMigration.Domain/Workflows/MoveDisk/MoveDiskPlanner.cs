using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows.MoveDisk;

/// <summary>POST /nodes/{node}/qemu/{vmid}/move_disk (move-disk), validated.</summary>
public sealed record MoveDiskRequest(
    int VmId,
    string Node,
    string Disk,
    string Storage,
    string? Format,
    bool Delete,
    long? BwLimitKiB,
    string User,
    int PollIntervalMs = 500,
    double ProgressTimeoutSec = MirrorsProgressed.DefaultTimeoutSec);

/// <summary>
/// How the disk moves: <paramref name="Live"/> (drive-mirror of the running VM, then pivot) or offline (qemu-img convert);
/// <paramref name="NewConfigText"/>: the config once moved (the new volume, the old one as <paramref name="UnusedKey"/> or gone).
/// </summary>
public sealed record MoveDiskPlan(string Drive, string SrcVolid, string DstVolid, string Format, long SizeBytes, bool Live,
    string NewConfigText, string? UnusedKey, bool Snapshotted);

/// <summary>qemu-server's move_vm_disk checks and the plan of a move; both drivers and the API share them.</summary>
public static class MoveDiskPlanner
{
    public const string Lock = "disk";

    public const string SameStorage = "you can't move to the same storage with same format";

    /// <summary>Proxmox's refusals before a move starts, given the VM as it is now.</summary>
    public static string? Check(MoveDiskRequest r, VmRecordView vm, bool running, StorageConfig storage, string? lockOwner)
    {
        if (!vm.Exists || vm.Node != r.Node) return VmDecider.NoConfig(r.Node, r.VmId);
        if (vm.Lock is { } l && vm.LockOwner != lockOwner) return VmDecider.Locked(l);
        var cfg = QmConfig.Parse(vm.ConfigText);
        if (cfg.Main[r.Disk] is not { } value) return $"disk '{r.Disk}' does not exist";
        var d = DriveSpec.TryParse(value);
        if (d is null || string.IsNullOrEmpty(d.File)) return $"disk '{r.Disk}' has no associated volume";
        if (d.IsCdrom) return "you can't move a cdrom";
        if (!VolumeName.TryParse(d.File, out var src, out var perr)) return perr;
        if (src!.VType != "images") return "you can't move a cdrom";
        if (cfg.IsTemplate) return "you can't move a disk of a template (not supported)";
        var format = r.Format ?? src.Format;
        if (src.Storage == r.Storage && (r.Format is null || src.Format == r.Format)) return SameStorage;
        if (storage.Get(r.Storage) is not { } def) return $"storage '{r.Storage}' does not exist";
        if (!def.AvailableOn(r.Node)) return $"storage '{r.Storage}' is not available on node '{r.Node}'";
        if (!def.HasContent("images")) return $"storage '{r.Storage}' does not support vm images";
        if (format is not ("raw" or "qcow2" or "vmdk")) return $"unsupported format '{format}'";
        if (r.Delete && Snapshotted(cfg, d.File)) return "you can't move a disk with snapshots and delete the source";
        var live = running && !Drives.IsUnused(r.Disk);
        if (live && r.Disk == "tpmstate0") return "cannot move TPM state while VM is running";
        if (live && r.Disk == "efidisk0") return "cannot move EFI disk while VM is running (not supported)";
        return null;
    }

    /// <summary>A snapshot of the VM names the volume (qemu-server's is_volume_in_use with the disk's key passed).</summary>
    public static bool Snapshotted(QmConfig cfg, string volid) =>
        cfg.Snapshots.Any(s => Drives.All(s.Section).Any(x => x.Drive.File == volid));

    /// <summary>
    /// The new volume (the first free disk number on the target storage, any format counting, as find_free_diskname) and the
    /// config after the move: the drive names it (its size the source's, no <c>format</c>), the old volume becomes the first
    /// free unusedN unless <see cref="MoveDiskRequest.Delete"/>.
    /// </summary>
    public static MoveDiskPlan Plan(MoveDiskRequest r, VmRecordView vm, bool running, VolumeInfo source, IReadOnlyCollection<string> existing)
    {
        var cfg = QmConfig.Parse(vm.ConfigText);
        var value = cfg.Main[r.Disk]!;
        var d = DriveSpec.Parse(value);
        var src = VolumeName.Parse(d.File);
        var format = r.Format ?? src.Format;
        var taken = existing.Select(v => VolumeName.TryParse(v, out var n, out _) && n!.Storage == r.Storage ? n.DiskNumber : null)
            .Where(n => n is not null).ToHashSet();
        var number = 0;
        while (taken.Contains(number)) number++;
        var dst = VolumeName.ImageVolId(r.Storage, r.VmId, VolumeName.DiskName(r.VmId, number, format));
        var unused = Drives.IsUnused(r.Disk);
        if (unused) cfg.Main[r.Disk] = dst;
        else
        {
            d.File = dst;
            d.Props["format"] = null;
            d.SizeBytes = source.VirtualSize;
            cfg.Main[r.Disk] = d.ToString();
        }
        string? unusedKey = null;
        if (!r.Delete)
        {
            unusedKey = FreeUnused(cfg);
            cfg.Main[unusedKey] = src.VolId;
        }
        cfg.Main.Remove("lock");
        return new MoveDiskPlan(r.Disk, src.VolId, dst, format, source.VirtualSize, running && !unused, cfg.ToString(), unusedKey,
            Snapshotted(cfg, src.VolId));
    }

    /// <summary>The moved config with the old volume kept as the first free unusedN (as delete=0 would leave it).</summary>
    public static string KeepingSource(MoveDiskPlan p)
    {
        if (p.UnusedKey is not null) return p.NewConfigText;
        var cfg = QmConfig.Parse(p.NewConfigText);
        cfg.Main[FreeUnused(cfg)] = p.SrcVolid;
        return cfg.ToString();
    }

    /// <summary>The first unusedN the config does not use (qemu-server's add_unused_volume).</summary>
    private static string FreeUnused(QmConfig cfg) => Enumerable.Range(0, 256).Select(i => $"unused{i}").First(k => cfg.Main[k] is null);
}

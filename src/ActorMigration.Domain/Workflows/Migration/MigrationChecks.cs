using System.Text.RegularExpressions;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>A volume of the VM as GET .../migrate reports it.</summary>
public sealed record VmVolume(string Drive, string Volid, long SizeBytes, string Format, bool Cdrom, bool IsUnused, bool Shared, bool InSnapshot);

/// <summary>The seed's migration requirements, with Proxmox's wording where it has one.</summary>
public static class MigrationChecks
{
    private static readonly Regex LocalResourceKey = new(@"^(hostpci\d+|usb\d+|parallel\d+|serial\d+|ivshmem)$", RegexOptions.Compiled);

    public const string RunningWithoutOnline = "can't migrate running VM without --online";
    public const string LocalDisksNeedOption = "can't live migrate attached local disks without with-local-disks option";

    /// <summary>Devices bound to the host: hostpci*, usb* (unless spice), host serial/parallel ports, ivshmem.</summary>
    public static IReadOnlyList<string> LocalResources(QmSection c) =>
        c.Keys.Where(k => LocalResourceKey.IsMatch(k))
            .Where(k => k switch
            {
                _ when k.StartsWith("usb") => !IsSpiceOrMappedUsb(c[k]!),
                _ when k.StartsWith("serial") => c[k] != "socket",
                _ => true
            })
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();

    // check_local_resources parses pve-qm-usb: host=spice (any case) is no host device.
    private static bool IsSpiceOrMappedUsb(string value)
    {
        PropertyString usb;
        try { usb = PropertyString.Parse(value, "host"); }
        catch (FormatException) { return false; }
        return string.Equals(usb["host"], "spice", StringComparison.OrdinalIgnoreCase) || usb.Has("mapping");
    }

    /// <summary>Host files and block devices a drive uses (<c>ide2: /dev/sde</c>), also in snapshots: QemuMigrate cannot move them.</summary>
    public static IReadOnlyList<string> LocalFiles(QmConfig cfg) =>
        new[] { cfg.Main }.Concat(cfg.Snapshots.Select(s => s.Section))
            .SelectMany(s => Drives.All(s)).Where(d => d.Drive.IsHostPath).Select(d => d.Drive.File).Distinct().ToList();

    public static string LocalFileError(string path) => $"can't migrate local file/device '{path}'";

    /// <summary>A cloud-init drive (<c>vm-N-cloudinit</c>): generated, copied offline like Proxmox does.</summary>
    public static bool IsCloudInit(string volid) => CloudInit.CloudInitDrive.IsAnyCloudInit(volid);

    /// <summary>All volumes referenced by the config, its unused entries and its snapshots.</summary>
    public static IReadOnlyList<VmVolume> Volumes(QmConfig cfg, StorageConfig storage)
    {
        var seen = new Dictionary<string, VmVolume>();
        void Add(string key, DriveSpec d, bool inSnapshot)
        {
            if (d.Volume is not { } v || seen.ContainsKey(d.File)) return;
            var def = storage.Get(v.Storage);
            var fmt = VolumeName.TryParse(d.File, out var vn, out _) ? vn!.Format : "raw";
            seen[d.File] = new VmVolume(key, d.File, d.SizeBytes ?? 0, fmt, d.IsCdrom, Drives.IsUnused(key), def?.Shared ?? false, inSnapshot);
        }
        foreach (var (k, d) in Drives.All(cfg.Main)) Add(k, d, false);
        foreach (var (_, snap) in cfg.Snapshots)
            foreach (var (k, d) in Drives.All(snap)) Add(k, d, true);
        return seen.Values.ToList();
    }

    /// <summary>Errors about the target node itself, checked before a task starts.</summary>
    public static string? TargetError(string source, string target, IReadOnlyCollection<string> clusterNodes) =>
        target == source ? "target is local node."
        : !clusterNodes.Contains(target) ? $"no such cluster node '{target}'"
        : null;

    public static string TargetOffline(string target) => $"target node '{target}' is offline";

    /// <summary>Storages a VM needs that the target cannot provide.</summary>
    public static IReadOnlyList<string> UnavailableStorages(QmConfig cfg, StorageConfig storage, string target, StorageMap map)
    {
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var v in Volumes(cfg, storage))
        {
            var sid = VolumeIdRef.TryParse(v.Volid, out var r) ? r.Storage : "";
            var needed = v.Shared || (v.Cdrom && !IsCloudInit(v.Volid)) ? sid : map.Map(sid);
            var def = storage.Get(needed);
            if (def is null || !def.AvailableOn(target)) missing.Add(needed);
        }
        return missing.ToList();
    }

    /// <summary>
    /// All checks of prepare. Returns the first refusal, or the plan. <paramref name="network"/>: the effective
    /// migration_type/migration_network (<see cref="MigrationNetwork.Effective"/>); its network must hold the target's address.
    /// </summary>
    public static (MigrationPlan? Plan, string? Error, IReadOnlyList<string> Info) Prepare(
        MigrationRequest req, MigrationFacts f, string lockOwner, MigrationNetwork? network = null)
    {
        var info = new List<string>();
        var storage = StorageConfig.Parse(f.StorageConfigText);
        var vm = f.Vm;
        if (!vm.Exists || vm.Node != req.Source)
            return Fail($"Configuration file 'nodes/{req.Source}/qemu-server/{req.VmId}.conf' does not exist");
        if (TargetError(req.Source, req.Target, f.ClusterNodes) is { } te) return Fail(te);
        if (f.Target is null || !f.Target.Online) return Fail(TargetOffline(req.Target));
        if (MigrationNetwork.AddressError(network?.Network, f.Target.Address) is { } noIp) return Fail(noIp);
        if (vm.Lock is { } l && vm.LockOwner != lockOwner) return Fail($"VM is locked ({l})");

        var cfg = QmConfig.Parse(vm.ConfigText);
        var running = f.Runtime.IsAlive;
        if (running && !req.Online) return Fail(RunningWithoutOnline);
        var online = running && req.Online;
        var downtimeMs = LiveMigrationLimits.DowntimeMs(cfg.Main, req.DowntimeLimitMs);
        if (LiveMigrationLimits.MaxDowntimeError(req.MaxDowntimeMs, downtimeMs) is { } maxDowntime) return Fail(maxDowntime);

        if (PackageVersion.Compare(f.Target.Version, f.Source.Version) < 0)
            return Fail($"target node '{req.Target}' runs an older version ({f.Target.Version}) than source node '{req.Source}' ({f.Source.Version})");
        if (online && !string.Equals(f.Target.CpuVendor, f.Source.CpuVendor, StringComparison.OrdinalIgnoreCase))
            return Fail($"CPU vendor of target node '{req.Target}' ({f.Target.CpuVendor}) differs from source node '{req.Source}' ({f.Source.CpuVendor})");

        // QemuMigrate::prepare: never while running, offline only with force.
        var localRes = LocalResources(cfg.Main);
        if (localRes.Count > 0)
        {
            if (running || !req.Force) return Fail($"can't migrate VM which uses local devices: {string.Join(", ", localRes)}");
            info.Add("migrating VM which uses local devices");
        }

        if (LocalFiles(cfg) is [var hostPath, ..]) return Fail(LocalFileError(hostPath));
        if (!StorageMap.TryParse(req.TargetStorage, out var map, out var mapErr)) return Fail(mapErr!);

        if (MigrationVolumes.PhysicalCdromError(cfg) is { } cdrom) return Fail(cdrom);
        var volumes = Volumes(cfg, storage);
        var infos = (f.SourceVolumes ?? []).GroupBy(i => i.VolId).ToDictionary(g => g.Key, g => g.First());
        var snapRefs = MigrationVolumes.SnapshotReferences(cfg);
        var moves = new List<DiskMove>();
        var scanned = new List<VolumeInfo>();
        var taken = new HashSet<string>(f.TargetVolumes, StringComparer.Ordinal);
        foreach (var v in volumes)
        {
            var src = VolumeIdRef.TryParse(v.Volid, out var r) ? r : default;
            var srcDef = storage.Get(src.Storage);
            if (srcDef is null) return Fail($"storage '{src.Storage}' does not exist");
            if (v.Shared)
            {
                if (!srcDef.AvailableOn(req.Target)) return Fail($"storage '{src.Storage}' is not available on node '{req.Target}'");
                continue;
            }
            // scan_local_volumes: cloud-init and TPM state are 'generated' and always copied offline.
            var cloudInit = v.Cdrom && IsCloudInit(v.Volid);
            if (v.Cdrom && !cloudInit) return Fail(LocalDiskError(v.Volid, "local cdrom image"));
            var generated = cloudInit || v.Drive == "tpmstate0";
            if (!VolumeName.TryParse(v.Volid, out var vn, out var vnErr)) return Fail(vnErr!);
            if (vn!.VType != "images") return Fail($"can't migrate local volume '{v.Volid}'");
            if (vn.VmId != req.VmId) return Fail(LocalDiskError(v.Volid, $"owned by other VM (owner = VM {vn.VmId})"));
            // The size and format come from the volume itself (volume_size_info), never from size=.
            if (!infos.TryGetValue(v.Volid, out var volInfo))
                return Fail(LocalDiskError(v.Volid, $"unable to determine size for volume '{v.Volid}'"));
            // A cloud-init image is regenerated, not checked for aliases or snapshots (it returns early in Proxmox).
            if (!cloudInit) scanned.Add(volInfo);
            var inSnapshot = !cloudInit && snapRefs.ContainsKey(v.Volid);
            if (inSnapshot && MigrationVolumes.SnapshotError(running, volInfo.Format) is { } snapErr)
                return Fail(LocalDiskError(v.Volid, snapErr));
            // volume_is_base_and_used: the record knows its linked clones, not which base each uses.
            if (vn.IsBase && vm.LinkedClones.Count > 0)
                return Fail(LocalDiskError(v.Volid, "referenced by linked clone(s)"));
            var attached = !v.IsUnused && !generated && !v.InSnapshot;
            info.Add(generated ? $"found generated disk '{v.Volid}' (in current VM config)"
                : attached ? $"found local disk '{v.Volid}' (attached)"
                : v.IsUnused ? $"found local disk '{v.Volid}' (unused)"
                : $"found local disk '{v.Volid}' (referenced by snapshot(s))");
            if (online && attached && !req.WithLocalDisks) return Fail(LocalDisksNeedOption);

            var dstSid = map.Map(src.Storage);
            var dstDef = storage.Get(dstSid);
            if (dstDef is null) return Fail($"storage '{dstSid}' does not exist");
            if (!dstDef.AvailableOn(req.Target)) return Fail($"storage '{dstSid}' is not available on node '{req.Target}'");
            if (!dstDef.HasContent("images")) return Fail($"storage '{dstSid}' does not support vm images");
            if (vn.BaseName is not null) return Fail($"can't migrate linked clone volume '{v.Volid}' on local storage");
            var dst = FreeName(dstSid, req.VmId, vn, taken);
            taken.Add(dst);
            var withSnapshots = vn.Format == "qcow2" && (inSnapshot || volInfo.Snapshots is { Count: > 0 });
            // A volume only a snapshot references is named by its key there and the snapshot (its key may be in use).
            var drive = v.InSnapshot ? $"{v.Drive}@{snapRefs[v.Volid][0]}" : v.Drive;
            moves.Add(new DiskMove(drive, v.Volid, dst, vn.Format, volInfo.VirtualSize, online && attached, withSnapshots));
        }
        if (MigrationVolumes.AliasError(scanned) is { } alias) return Fail(alias);

        var newCfg = cfg.Clone();
        info.AddRange(MigrationVolumes.UpdateSizes(newCfg, moves.ToDictionary(m => m.SrcVolid, m => m.SizeBytes)));
        MigrationVolumes.Rename(newCfg, moves.ToDictionary(m => m.SrcVolid, m => m.DstVolid));
        newCfg["lock"] = null;
        var incoming = newCfg.Clone();
        if (incoming["machine"] is null && f.Runtime.RunningMachine is { } machine) incoming["machine"] = machine;

        foreach (var mv in moves.Where(m => m.SrcVolid != m.DstVolid))
            info.Add($"volume '{mv.SrcVolid}' is '{mv.DstVolid}' on the target");
        var plan = new MigrationPlan(online, running, f.Target.Address, cfg.ToString(), newCfg.ToString(), incoming.ToString(), moves,
            downtimeMs, LiveMigrationLimits.SpeedKiB(cfg.Main, req.BwLimitKiB));
        return (plan, null, info);

        (MigrationPlan?, string?, IReadOnlyList<string>) Fail(string e) => (null, e, info);
    }

    private static string LocalDiskError(string volid, string why) => $"can't migrate local disk '{volid}': {why}";

    // Keeps the name if free, else get_next_vm_diskname: the first disk number free in every format.
    private static string FreeName(string storage, int vmid, VolumeName src, HashSet<string> taken)
    {
        var candidate = VolumeName.ImageVolId(storage, vmid, src.Name);
        if (!taken.Contains(candidate)) return candidate;
        var prefix = $"{storage}:{vmid}/";
        var used = taken
            .Where(t => t.StartsWith(prefix, StringComparison.Ordinal))
            .Select(t => Regex.Match(t[prefix.Length..], $@"^(?:vm|base)-{vmid}-disk-(\d+)\."))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value))
            .ToHashSet();
        var n = 0;
        while (used.Contains(n)) n++;
        return VolumeName.ImageVolId(storage, vmid, VolumeName.DiskName(vmid, n, src.Format));
    }
}

using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows.Snapshot;

/// <summary>
/// What a snapshot request does: the volumes (and drives) to act on and the new config, or the refusal.
/// <see cref="Running"/>: the VM ran when planned (create and delete go through QMP, a rollback stops it first).
/// <see cref="VmState"/>: create saves the RAM state, a rollback starts the VM from it. <see cref="RunningMachine"/>:
/// the machine type a rollback starts with (the snapshot's runningmachine). <see cref="VmStateDrive"/>: the drive that
/// holds the RAM state of a new snapshot.
/// </summary>
public sealed record SnapshotPlan(IReadOnlyList<string>? Volids, string? Config, string? Error)
{
    public IReadOnlyList<SnapshotDrive> Drives { get; init; } = [];
    public bool Running { get; init; }
    public bool VmState { get; init; }
    public string? RunningMachine { get; init; }
    public string? VmStateDrive { get; init; }

    public static SnapshotPlan Refused(string error) => new(null, null, error);
}

/// <summary>The rules of qmsnapshot, qmrollback and qmdelsnapshot on qcow2 volumes (PVE::AbstractConfig's snapshot_*).</summary>
public static class SnapshotPlanner
{
    public static SnapshotPlan Plan(SnapshotRequest r, VmFacts f, string lockOwner, DateTimeOffset now)
    {
        if (!f.Vm.Exists || f.Vm.Node != r.Node) return SnapshotPlan.Refused(VmDecider.NoConfig(r.Node, r.VmId));
        if (f.Vm.Lock is { } l && f.Vm.LockOwner != lockOwner) return SnapshotPlan.Refused(VmDecider.Locked(l));
        var cfg = QmConfig.Parse(f.Vm.ConfigText);
        if (cfg.IsTemplate) return SnapshotPlan.Refused("you can't snapshot a template");
        var running = f.Runtime.IsAlive;
        var existing = cfg.Snapshot(r.Name);
        return r.Action switch
        {
            SnapshotMachine.Create => existing is not null ? SnapshotPlan.Refused($"snapshot name '{r.Name}' already used") : Create(r, f, cfg, now),
            SnapshotMachine.Rollback_ => existing is null ? SnapshotPlan.Refused($"snapshot '{r.Name}' does not exist") : Rollback(r, cfg, existing, running),
            SnapshotMachine.Delete => existing is null ? SnapshotPlan.Refused($"snapshot '{r.Name}' does not exist") : Delete(r, cfg, existing, running),
            _ => SnapshotPlan.Refused($"unknown snapshot action '{r.Action}'")
        };
    }

    private static SnapshotPlan Create(SnapshotRequest r, VmFacts f, QmConfig cfg, DateTimeOffset now)
    {
        var running = f.Runtime.IsAlive;
        var drives = new List<SnapshotDrive>();
        foreach (var (key, d) in Drives.All(cfg.Main, includeUnused: false))
        {
            if (d.IsCdrom || d.Volume is null) continue;
            if (!VolumeName.TryParse(d.File, out var vn, out _) || vn!.Format != "qcow2") return SnapshotPlan.Refused("snapshot feature is not available");
            // swtpm holds the TPM state: QEMU cannot snapshot it while the VM runs.
            if (running && Drives.Bus(key) == "tpmstate") return SnapshotPlan.Refused(RunningTpm);
            drives.Add(new SnapshotDrive(key, d.File));
        }
        // As Proxmox: vmstate only when the VM runs (ignored on a stopped VM). The RAM state goes into the first disk.
        var vmstate = r.VmState && running;
        var holder = drives.FirstOrDefault(d => Drives.Bus(d.Drive) != "efidisk");
        if (vmstate && holder is null) return SnapshotPlan.Refused("no qcow2 disk to hold the VM state");
        var snap = cfg.Main.Clone();
        snap.Remove("lock");
        snap["snaptime"] = now.ToUnixTimeSeconds().ToString();
        snap.Description = r.Description;
        if (snap.Description is null) snap.Remove("description");
        if (vmstate)
        {
            snap["vmstate"] = holder!.Volid;
            if (f.Runtime.RunningMachine is { } m) snap["runningmachine"] = m;
        }
        cfg.Snapshots.Add((r.Name, snap));
        cfg["parent"] = r.Name;
        return new SnapshotPlan(drives.Select(d => d.Volid).ToList(), cfg.ToString(), null)
        {
            Drives = drives, Running = running, VmState = vmstate, VmStateDrive = vmstate ? holder!.Drive : null
        };
    }

    private static SnapshotPlan Rollback(SnapshotRequest r, QmConfig cfg, QmSection existing, bool running)
    {
        var drives = DrivesOf(existing);
        var main = existing.Clone();
        foreach (var k in new[] { "snaptime", "vmstate", "runningmachine", "runningcpu" }) main.Remove(k);
        main.Description = cfg.Main.Description;
        main["parent"] = r.Name;
        main["lock"] = cfg["lock"];
        // A rollback is a time shift for the guest: a new generation id (if it has one).
        if (main["vmgenid"] is { } g && g != "0")
        {
            if (r.NewVmGenId is not { } fresh) return SnapshotPlan.Refused("rollback request carries no new vmgenid");
            main["vmgenid"] = fresh.ToString();
        }
        var result = new QmConfig();
        foreach (var (k, v) in main.Values) result[k] = v;
        result.Main.Description = main.Description;
        // __snapshot_apply_config builds a new config without [PENDING]: pending changes are dropped by a rollback.
        result.Snapshots.AddRange(cfg.Snapshots);
        result.Special.AddRange(cfg.Special);
        return new SnapshotPlan(drives.Select(d => d.Volid).ToList(), result.ToString(), null)
        {
            Drives = drives, Running = running, VmState = existing["vmstate"] is not null, RunningMachine = existing["runningmachine"]
        };
    }

    private static SnapshotPlan Delete(SnapshotRequest r, QmConfig cfg, QmSection existing, bool running)
    {
        var drives = DrivesOf(existing);
        if (running && drives.Any(d => Drives.Bus(d.Drive) == "tpmstate")) return SnapshotPlan.Refused(RunningTpm);
        var parent = existing["parent"];
        cfg.Snapshots.RemoveAll(x => x.Name == r.Name);
        foreach (var (_, sec) in cfg.Snapshots)
            if (sec["parent"] == r.Name) sec["parent"] = parent;
        if (cfg["parent"] == r.Name) cfg["parent"] = parent;
        return new SnapshotPlan(drives.Select(d => d.Volid).ToList(), cfg.ToString(), null) { Drives = drives, Running = running };
    }

    private const string RunningTpm = "snapshots of a running VM with tpmstate0 are not supported - stop the VM first";

    private static List<SnapshotDrive> DrivesOf(QmSection s) =>
        Drives.All(s, includeUnused: false).Where(d => !d.Drive.IsCdrom && d.Drive.Volume is not null)
            .Select(d => new SnapshotDrive(d.Key, d.Drive.File)).ToList();

    /// <summary>The config a rollback to a vmstate snapshot starts with: the machine type the state was saved on.</summary>
    public static string LaunchConfig(string config, string? runningMachine)
    {
        if (runningMachine is null) return config;
        var c = QmConfig.Parse(config);
        c["machine"] = runningMachine;
        return c.ToString();
    }
}

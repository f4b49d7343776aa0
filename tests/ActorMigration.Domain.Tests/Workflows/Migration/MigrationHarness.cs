using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>Scenario data shared by the migration tests.</summary>
internal static class Scenario
{
    public const string Upid = "UPID:node1:0001E240:0000C350:66F1C2D3:qmigrate:100:root@pam:";
    public const long GiB = 1024L * 1024 * 1024;

    public const string StorageCfg =
        "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup,images,import\n\n" +
        "dir: fast\n\tpath /mnt/fast\n\tcontent images\n\tnodes node2,node3\n\n" +
        "dir: nfs-shared\n\tpath /mnt/pve/nfs-shared\n\tcontent images,iso\n\tshared 1\n\n" +
        "dir: only1\n\tpath /mnt/only1\n\tcontent images\n\tnodes node1\n\n" +
        "dir: isos\n\tpath /mnt/isos\n\tcontent iso\n\n" +
        "dir: shared13\n\tpath /mnt/pve/shared13\n\tcontent images\n\tshared 1\n\tnodes node1,node3\n";

    public const string SharedConfig =
        "boot: order=scsi0;ide2;net0\ncores: 2\nide2: nfs-shared:iso/debian-12.iso,media=cdrom,size=631M\nmemory: 2048\nname: web01\n" +
        "net0: virtio=BC:24:11:5A:3C:01,bridge=vmbr0\nostype: l26\nscsi0: nfs-shared:100/vm-100-disk-0.qcow2,iothread=1,size=32G\nscsihw: virtio-scsi-single\n";

    public const string LocalConfig =
        "boot: order=scsi0;net0\ncores: 2\nmemory: 2048\nname: db01\nnet0: virtio=BC:24:11:5A:3C:02,bridge=vmbr0\n" +
        "scsi0: local:100/vm-100-disk-0.qcow2,discard=on,size=32G\nscsi1: local:100/vm-100-disk-1.raw,size=4G\n" +
        "scsi2: nfs-shared:100/vm-100-disk-2.qcow2,size=8G\nscsihw: virtio-scsi-single\n";

    public static MigrationRequest Request(bool online = true, bool withLocalDisks = false, string? targetStorage = null,
        string target = "node2", bool force = false, bool conntrack = false, long? bwlimit = null) =>
        new(100, "node1", target, online, withLocalDisks, targetStorage, bwlimit, force, conntrack, "root@pam");

    /// <summary>The VM record as the lock step left it: locked 'migrate' by the task.</summary>
    public static VmRecordView Vm(string config, string? lockOwner = Upid, string lockName = "migrate", string node = "node1")
    {
        var s = VmState.Empty(100);
        foreach (var e in VmDecider.Decide(s, new CreateVm(100, node, config)).Events) s = VmDecider.Apply(s, e);
        if (lockOwner is not null)
            foreach (var e in VmDecider.Decide(s, new AcquireVmLock(100, lockName, lockOwner)).Events) s = VmDecider.Apply(s, e);
        return s.ToView();
    }

    public static NodeFacts Node(string name, string address, string version = "8.2.4", string vendor = "GenuineIntel", bool online = true) =>
        new(name, address, version, vendor, online, 8, 32 * GiB, "kvm");

    public static MigrationFacts Facts(string config, bool running = true, VmRecordView? vm = null, NodeFacts? source = null,
        NodeFacts? target = null, bool noTarget = false, IReadOnlyList<string>? targetVolumes = null, string? storage = null,
        IReadOnlyList<VolumeInfo>? volumes = null) =>
        new(vm ?? Vm(config),
            new VmRuntime(100, running ? VmRunState.Running : VmRunState.Stopped, running ? 4242 : null, RunningMachine: running ? "pc-i440fx-8.1+pve0" : null),
            source ?? Node("node1", "10.0.0.1"),
            noTarget ? null : target ?? Node("node2", "10.0.0.2"),
            ["node1", "node2", "node3"],
            storage ?? StorageCfg,
            targetVolumes ?? [],
            volumes ?? VolumesAsConfigured(config, storage ?? StorageCfg));

    /// <summary>The VM's local volumes as a driver would see them when every size= is right.</summary>
    public static IReadOnlyList<VolumeInfo> VolumesAsConfigured(string config, string storage) =>
        MigrationChecks.Volumes(Domain.Config.QmConfig.Parse(config), Domain.Storage.StorageConfig.Parse(storage))
            .Where(v => !v.Shared)
            .Select(v => Info(v.Volid, v.SizeBytes))
            .ToList();

    public static VolumeInfo Info(string volid, long size, string? format = null, string? path = null, params string[] snapshots) =>
        new(volid, path ?? "/" + volid.Replace(':', '/'), format ?? volid[(volid.LastIndexOf('.') + 1)..], size, size / 2, Snapshots: snapshots);
}

/// <summary>Drives a <see cref="MigrationMachine"/> purely through its inputs, like the actor does.</summary>
internal sealed class MigrationHarness(MigrationFacts facts) : MachineHarness<MigrationWorkflowState>(new MigrationMachine(), Scenario.Upid)
{
    public List<string> Phases { get; } = new();
    public MigrationFacts Facts { get; set; } = facts;
    public int ConntrackEntries { get; set; } = 12;

    /// <summary>
    /// Started as a workflow recovered from a journal older than the migration queue (no slot, so no slot steps): the
    /// migration's own steps, unchanged by the queue. <see cref="Queued"/> starts one that waits for a slot.
    /// </summary>
    public static MigrationHarness Started(MigrationRequest req, MigrationFacts facts)
    {
        var h = Queued(req, facts);
        h.S = h.S with { Slot = null };
        return h;
    }

    /// <summary>Started as today's API starts it: the request (or an order) waits for a queue slot after the lock.</summary>
    public static MigrationHarness Queued(object request, MigrationFacts facts)
    {
        var h = new MigrationHarness(facts);
        h.Feed(new StartWorkflow(request, h.Now));
        return h;
    }

    public override StepResult ResultFor(WorkflowStep step) => step switch
    {
        AcquireSlot => new SlotPolled(true, 0),
        GatherMigrationFacts => Facts,
        StartVm => new VmStarted(new VmRuntime(100, VmRunState.InMigrate, 5151, IncomingUri: "tcp:10.0.0.2:60000", NbdUri: "nbd:10.0.0.2:60001")),
        PollMirrors => new MirrorsPolled(S.Plan!.LiveDisks.Select(d => new BlockJobInfo(d.Drive, "mirror", d.SizeBytes, d.SizeBytes, true, "ready")).ToList()),
        PollMigration => new MigrationPolled(new MigrationProgress(MigrationState.Completed, 2 * Scenario.GiB, 2 * Scenario.GiB,
            DirtySyncCount: 3, DowntimeMs: 45, TotalTimeMs: 4000)),
        TransferConntrack => new ConntrackMoved(ConntrackEntries),
        _ => Done.Instance,
    };

    /// <summary>Runs steps with their default results until none is due or <paramref name="stopAt"/> is next.</summary>
    public MigrationHarness Run(string? stopAt = null, int max = 200)
    {
        Phases.Add(S.Phase);
        for (var i = 0; i < max && Next is { } step && step.Key != stopAt; i++)
        {
            Succeed();
            if (Phases[^1] != S.Phase) Phases.Add(S.Phase);
        }
        if (stopAt is not null) Assert.Equal(stopAt, Next?.Key);
        return this;
    }
}

using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Clone;
using ActorMigration.Domain.Workflows.Snapshot;
using ActorMigration.Domain.Workflows.Template;

namespace ActorMigration.Domain.Tests.Workflows.Copies;

public sealed class CopyMachinesTests
{
    private static readonly StorageConfig Storage = StorageConfig.Parse("""
        dir: local
        	path /data/{node}/local
        	content images,iso,backup,import

        dir: shared
        	path /data/shared
        	content images
        	shared 1
        """);

    private const string VmConfig = """
        memory: 1024
        name: web
        net0: virtio=BC:24:11:00:00:01,bridge=vmbr0
        scsi0: local:100/vm-100-disk-0.qcow2,size=4G
        scsi1: shared:100/vm-100-disk-1.raw,size=1G
        ide2: none,media=cdrom
        smbios1: uuid=11111111-1111-1111-1111-111111111111
        unused0: local:100/vm-100-disk-2.qcow2
        vmgenid: 22222222-2222-2222-2222-222222222222
        """;

    private static VmRecordView Vm(int vmid, string config, IReadOnlyList<int>? clones = null, string? lockOwner = null) =>
        new(vmid, true, "node1", QmConfig.Parse(config).ToString(), QmConfig.Parse(config).Lock, lockOwner, clones ?? [], "d");

    private static CloneRequest Req(bool full = true, string? storage = null, string? format = null, string target = "node1", string? snap = null) =>
        new(100, "node1", 101, target, null, null, full, storage, format, snap, null, "root@pam!t", Ids: Ids);

    private static readonly FreshIds Ids = new(Guid.Parse("44444444-4444-4444-4444-444444444444"), Guid.Parse("55555555-5555-5555-5555-555555555555"),
        new Dictionary<string, string> { ["net0"] = "BC:24:11:AA:BB:01" });

    [Fact]
    public void Full_clone_copies_every_attached_disk_with_a_new_identity()
    {
        var plan = CloneMachine.Plan(Req(), Vm(100, VmConfig), running: false, existing: []);
        Assert.Equal(["scsi0", "scsi1"], plan.Disks.Select(d => d.Drive));
        Assert.All(plan.Disks, d => Assert.Equal(CloneMachine.Convert, d.Mode));
        Assert.Equal("local:101/vm-101-disk-0.qcow2", plan.Disks[0].DstVolid);
        Assert.Equal("shared:101/vm-101-disk-1.raw", plan.Disks[1].DstVolid);

        var cfg = QmConfig.Parse(plan.NewConfigText);
        Assert.Equal("local:101/vm-101-disk-0.qcow2,size=4G", cfg["scsi0"]);
        Assert.Null(cfg["unused0"]);
        Assert.Equal("none,media=cdrom", cfg["ide2"]);
        Assert.Equal("Copy-of-VM-web", cfg["name"]);
        var mac = NetSpec.Parse(cfg["net0"]!).Mac!;
        Assert.StartsWith("BC:24:11:", mac);
        Assert.NotEqual("BC:24:11:00:00:01", mac);
        Assert.Equal("BC:24:11:AA:BB:01", mac);
        Assert.NotEqual("uuid=11111111-1111-1111-1111-111111111111", cfg["smbios1"]);
        Assert.NotEqual("22222222-2222-2222-2222-222222222222", cfg["vmgenid"]);
        // The new identity is the one the request brought: nothing is made inside the machine.
        Assert.Equal("uuid=44444444-4444-4444-4444-444444444444", cfg["smbios1"]);
        Assert.Equal("55555555-5555-5555-5555-555555555555", cfg["vmgenid"]);
        Assert.Null(cfg["template"]);
    }

    [Fact]
    public void A_disabled_vmgenid_is_copied_as_it_is()
    {
        var plan = CloneMachine.Plan(Req(), Vm(100, VmConfig.Replace("vmgenid: 22222222-2222-2222-2222-222222222222", "vmgenid: 0")), false, []);
        Assert.Equal("0", QmConfig.Parse(plan.NewConfigText)["vmgenid"]);
    }

    [Fact]
    public void A_running_vm_is_cloned_by_mirroring_and_format_and_storage_apply()
    {
        var plan = CloneMachine.Plan(Req(storage: "shared", format: "raw"), Vm(100, VmConfig), running: true, existing: []);
        Assert.All(plan.Disks, d => Assert.Equal(CloneMachine.Mirror, d.Mode));
        Assert.Equal(["shared:101/vm-101-disk-0.raw", "shared:101/vm-101-disk-1.raw"], plan.Disks.Select(d => d.DstVolid));
    }

    [Fact]
    public void Disk_numbers_taken_in_any_format_are_skipped()
    {
        var plan = CloneMachine.Plan(Req(), Vm(100, VmConfig), false, ["local:101/vm-101-disk-0.raw"]);
        Assert.Equal("local:101/vm-101-disk-1.qcow2", plan.Disks[0].DstVolid);
    }

    [Fact]
    public void A_linked_clone_of_a_template_is_an_overlay_on_its_base_volume()
    {
        const string template = "memory: 512\nscsi0: local:9000/base-9000-disk-0.qcow2,size=64G\ntemplate: 1\n";
        var plan = CloneMachine.Plan(Req(full: false), Vm(100, template), false, []);
        var d = Assert.Single(plan.Disks);
        Assert.Equal(CloneMachine.Linked, d.Mode);
        Assert.Equal("local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2", d.DstVolid);
        Assert.Equal(9000, plan.TemplateVmId);
        Assert.Null(QmConfig.Parse(plan.NewConfigText)["template"]);
    }

    [Theory]
    [InlineData(false, "local", null, "node1", "parameter 'storage' not allowed for linked clones")]
    [InlineData(false, null, "raw", "node1", "parameter 'format' not allowed for linked clones")]
    [InlineData(false, null, null, "node1", "Linked clone feature is not supported for 'local:100/vm-100-disk-0.qcow2' (scsi0)")]
    [InlineData(true, null, null, "node2", "can't clone VM to node 'node2' (VM uses local storage)")]
    [InlineData(true, "nosuch", null, "node1", "storage 'nosuch' does not exist")]
    public void Clone_refusals_use_proxmox_wording(bool full, string? storage, string? format, string target, string message) =>
        Assert.Equal(message, CloneMachine.Check(Req(full, storage, format, target), Vm(100, VmConfig), Storage, null));

    [Fact]
    public void A_clone_request_without_its_new_identity_is_refused() =>
        Assert.Equal("clone request carries no new identity", CloneMachine.Check(Req() with { Ids = null }, Vm(100, VmConfig), Storage, null));

    [Fact]
    public void A_clone_request_without_a_new_mac_for_each_nic_is_refused() =>
        Assert.Equal("clone request carries no new MAC address for net1",
            CloneMachine.Check(Req(), Vm(100, VmConfig + "\nnet1: e1000=BC:24:11:00:00:02,bridge=vmbr0\n"), Storage, null));

    [Fact]
    public void Cloning_from_a_missing_snapshot_is_refused() =>
        Assert.Equal("snapshot 'nope' does not exist", CloneMachine.Check(Req(snap: "nope"), Vm(100, VmConfig), Storage, null));

    [Fact]
    public void A_locked_source_is_refused_unless_the_lock_is_ours()
    {
        var locked = Vm(100, VmConfig + "\nlock: backup\n", lockOwner: "other");
        Assert.Equal("VM is locked (backup)", CloneMachine.Check(Req(), locked, Storage, "me"));
        var ours = Vm(100, VmConfig + "\nlock: clone\n", lockOwner: "me");
        Assert.Null(CloneMachine.Check(Req(), ours, Storage, "me"));
    }

    [Fact]
    public void Template_conversion_renames_own_disks_to_base_names()
    {
        var (renames, config) = TemplateMachine.Plan(VmConfig, 100, null);
        Assert.Equal([("local:100/vm-100-disk-0.qcow2", "local:100/base-100-disk-0.qcow2"), ("shared:100/vm-100-disk-1.raw", "shared:100/base-100-disk-1.raw")],
            renames.Select(r => (r.From, r.To)));
        var cfg = QmConfig.Parse(config);
        Assert.Equal("1", cfg["template"]);
        Assert.Equal("local:100/base-100-disk-0.qcow2,size=4G", cfg["scsi0"]);
    }

    [Theory]
    [InlineData(true, "", TemplateMachine.Running)]
    [InlineData(false, "\ntemplate: 1\n", TemplateMachine.AlreadyTemplate)]
    [InlineData(false, "\n[s1]\nmemory: 512\nsnaptime: 1\n", TemplateMachine.HasSnapshots)]
    public void Template_refusals(bool running, string extra, string message)
    {
        var facts = new VmFacts(Vm(100, VmConfig + extra), new VmRuntime(100, running ? VmRunState.Running : VmRunState.Stopped));
        Assert.Equal(message, TemplateMachine.Check(facts, new TemplateRequest(100, "node1", null, "u"), null));
    }

    private static readonly VmFacts Stopped = new(Vm(100,
        "memory: 512\nscsi0: local:100/vm-100-disk-0.qcow2,size=4G\nvmgenid: 33333333-3333-3333-3333-333333333333\n"),
        new VmRuntime(100, VmRunState.Stopped));

    [Fact]
    public void A_snapshot_records_the_config_and_becomes_the_parent()
    {
        var (volids, config, error) = SnapshotMachine.Plan(new SnapshotRequest("create", 100, "node1", "s1", "before upgrade", "u"),
            Stopped, "", DateTimeOffset.FromUnixTimeSeconds(1700000000));
        Assert.Null(error);
        Assert.Equal(["local:100/vm-100-disk-0.qcow2"], volids);
        var cfg = QmConfig.Parse(config!);
        Assert.Equal("s1", cfg["parent"]);
        var snap = cfg.Snapshot("s1")!;
        Assert.Equal("1700000000", snap["snaptime"]);
        Assert.Equal("before upgrade", snap.Description);
    }

    [Fact]
    public void A_rollback_restores_the_snapshot_and_gives_a_new_generation_id()
    {
        var created = SnapshotMachine.Plan(new SnapshotRequest("create", 100, "node1", "s1", null, "u"), Stopped, "", DateTimeOffset.UnixEpoch).Config!;
        var changed = QmConfig.Parse(created);
        changed["memory"] = "4096";
        var facts = Stopped with { Vm = Stopped.Vm with { ConfigText = changed.ToString() } };
        var (_, config, error) = SnapshotMachine.Plan(new SnapshotRequest("rollback", 100, "node1", "s1", null, "u",
            NewVmGenId: Guid.Parse("66666666-6666-6666-6666-666666666666")), facts, "", DateTimeOffset.UnixEpoch);
        Assert.Null(error);
        var cfg = QmConfig.Parse(config!);
        Assert.Equal("512", cfg["memory"]);
        Assert.Equal("66666666-6666-6666-6666-666666666666", cfg["vmgenid"]);
        Assert.NotNull(cfg.Snapshot("s1"));
    }

    [Fact]
    public void A_rollback_request_without_a_new_generation_id_is_refused()
    {
        var created = SnapshotMachine.Plan(new SnapshotRequest("create", 100, "node1", "s1", null, "u"), Stopped, "", DateTimeOffset.UnixEpoch).Config!;
        var facts = Stopped with { Vm = Stopped.Vm with { ConfigText = created } };
        Assert.Equal("rollback request carries no new vmgenid",
            SnapshotMachine.Plan(new SnapshotRequest("rollback", 100, "node1", "s1", null, "u"), facts, "", DateTimeOffset.UnixEpoch).Error);
    }

    [Theory]
    [InlineData("create", "s0", "local:100/vm-100-disk-0.raw", "snapshot feature is not available")]
    [InlineData("rollback", "nope", "local:100/vm-100-disk-0.qcow2", "snapshot 'nope' does not exist")]
    [InlineData("delete", "nope", "local:100/vm-100-disk-0.qcow2", "snapshot 'nope' does not exist")]
    public void Snapshot_refusals(string action, string name, string disk, string message)
    {
        var facts = Stopped with { Vm = Vm(100, $"memory: 512\nscsi0: {disk},size=4G\n") };
        Assert.Equal(message, SnapshotMachine.Plan(new SnapshotRequest(action, 100, "node1", name, null, "u"), facts, "", DateTimeOffset.UnixEpoch).Error);
    }

    [Fact]
    public void Clone_rollback_removes_new_volumes_and_the_new_record()
    {
        var m = new CloneMachine();
        var s = m.Initial("UPID:node1:00000001:00000001:6B000000:qmclone:100:u:");
        s = m.ApplyAll(s, m.Decide(s, new StartWorkflow(Req(), DateTimeOffset.UnixEpoch)));
        s = m.ApplyAll(s, m.Decide(s, new StepSucceeded(m.Next(s)!, Done.Instance, DateTimeOffset.UnixEpoch)));   // create
        s = m.ApplyAll(s, m.Decide(s, new StepSucceeded(m.Next(s)!, Done.Instance, DateTimeOffset.UnixEpoch)));   // lock-source
        var facts = new CloneFacts(Vm(100, VmConfig, lockOwner: s.Core.Upid), new VmRuntime(100, VmRunState.Stopped),
            Vm(101, "name: clone\nlock: clone\n", lockOwner: s.Core.Upid), [], Storage.ToString());
        s = m.ApplyAll(s, m.Decide(s, new StepSucceeded(m.Next(s)!, facts, DateTimeOffset.UnixEpoch)));
        Assert.Equal("begin:scsi0", m.Next(s)!.Key);
        s = m.ApplyAll(s, m.Decide(s, new StepSucceeded(m.Next(s)!, Done.Instance, DateTimeOffset.UnixEpoch)));
        Assert.Equal("disk:scsi0", m.Next(s)!.Key);
        s = m.ApplyAll(s, m.Decide(s, new StepFailedInput(m.Next(s)!, "no space left on device", true, DateTimeOffset.UnixEpoch)));

        var steps = new List<string>();
        while (m.Next(s) is { } step)
        {
            steps.Add(step.Key);
            s = m.ApplyAll(s, m.Decide(s, new StepSucceeded(step, Done.Instance, DateTimeOffset.UnixEpoch)));
        }
        Assert.Equal(["rb-volumes", "rb-destroy", "rb-unlock-source"], steps);
        Assert.Equal("clone failed: no space left on device", s.Core.ExitStatus);
    }
}

using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Create;

namespace ActorMigration.Domain.Tests.Workflows.Tasks;

/// <summary>qmcreate (with imports and restores) driven purely through the machine's inputs.</summary>
public sealed class CreateMachineTests
{
    private const string Upid = "UPID:node1:00000001:00000001:6B000000:qmcreate:100:root@pam:";
    private const string Config = "memory: 512\nname: new\nnet0: virtio=BC:24:11:00:00:01,bridge=vmbr0\n";
    private const long GiB = 1L << 30;

    private static readonly DiskPlan NewDisk = new("scsi0", "local:100/vm-100-disk-0.qcow2", "qcow2", 4 * GiB, null, "iothread=1");
    private static readonly DiskPlan Import = new("scsi1", "local:100/vm-100-disk-1.raw", "raw", GiB, "local:import/disk.vmdk", "");

    private static CreateRequest Req(bool start = false, IReadOnlyList<DiskPlan>? disks = null, IReadOnlyList<string>? warnings = null,
        string config = Config, string? archive = null) =>
        new(100, "node1", config, disks ?? [NewDisk, Import], start, null, "root@pam", warnings, archive);

    /// <summary>A converted or restored volume is as large as qemu-img says (here 3 GiB, not the planned size).</summary>
    private static StepResult Result(WorkflowStep step) => step switch
    {
        ConvertDisk c => new VolumeReady(new VolumeInfo(c.DstVolid, "/x", c.Format, 3 * GiB, GiB)),
        RestoreDisk r => new VolumeReady(new VolumeInfo(r.DstVolid, "/x", r.Format, 3 * GiB, GiB)),
        _ => Done.Instance
    };

    private static MachineHarness<CreateWorkflowState> Started(CreateRequest r) =>
        new MachineHarness<CreateWorkflowState>(new CreateMachine(), Upid, Result).Start(r);

    [Fact]
    public void Creates_the_record_then_each_disk_then_writes_the_config_with_their_volids_and_sizes()
    {
        var h = Started(Req());
        Assert.Equal("prepare", h.S.Phase);
        var create = Assert.IsType<CreateVmRecord>(h.Next);
        Assert.Equal((100, "node1", Config, "create"), (create.VmId, create.Node, create.ConfigText, create.Lock));
        h.RunToEnd();

        Assert.Equal(["create", "alloc:scsi0", "begin:scsi1", "import:scsi1", "config", "unlock"], h.Ran);
        Assert.Equal([new VolumeAlloc(NewDisk.DstVolid, "qcow2", 4 * GiB)], h.Step<AllocateVolumes>("alloc:scsi0").Volumes);
        var convert = h.Step<ConvertDisk>("import:scsi1");
        Assert.Equal(("local:import/disk.vmdk", Import.DstVolid, "raw"), (convert.SrcVolid, convert.DstVolid, convert.Format));
        var cfg = QmConfig.Parse(h.Step<ReplaceConfig>("config").ConfigText);
        Assert.Equal("local:100/vm-100-disk-0.qcow2,iothread=1,size=4G", cfg["scsi0"]);
        Assert.Equal("local:100/vm-100-disk-1.raw,size=3G", cfg["scsi1"]);
        Assert.Equal("virtio=BC:24:11:00:00:01,bridge=vmbr0", cfg["net0"]);
        Assert.Equal(
        [
            "scsi0: successfully created disk 'local:100/vm-100-disk-0.qcow2,size=4G'",
            "importing disk 'local:import/disk.vmdk' to VM 100 ...",
            "transferred 3.0 GiB of 3.0 GiB (100.00%)",
            "scsi1: successfully created disk 'local:100/vm-100-disk-1.raw,size=3G'",
            "TASK OK",
        ], h.Text);
        Assert.Equal("done", h.S.Phase);
        Assert.Single(h.Of<TaskAccepted>());
        Assert.Equal(2, h.Of<CreateDiskReady>().Count());
    }

    [Fact]
    public void Start_runs_last_with_the_final_config()
    {
        var h = Started(Req(start: true)).RunToEnd();
        Assert.Equal("start", h.Ran[^1]);
        var start = h.Step<StartVm>("start");
        Assert.Equal((100, "node1", Upid), (start.VmId, start.Node, start.Tag));
        Assert.Equal(h.Step<ReplaceConfig>("config").ConfigText, start.ConfigText);
    }

    [Fact]
    public void Efi_and_tpm_disks_have_their_fixed_sizes()
    {
        Assert.Equal(540672, CreateMachine.AllocationSize(new DiskPlan("efidisk0", "local:100/vm-100-disk-2.raw", "raw", GiB, null, "efitype=4m")));
        Assert.Equal(131072, CreateMachine.AllocationSize(new DiskPlan("efidisk0", "local:100/vm-100-disk-2.raw", "raw", GiB, null, "")));
        Assert.Equal(4L << 20, CreateMachine.AllocationSize(new DiskPlan("tpmstate0", "local:100/vm-100-disk-3.raw", "raw", GiB, null, "")));
    }

    [Fact]
    public void A_refused_record_rejects_the_request_and_nothing_is_rolled_back()
    {
        var h = Started(Req());
        h.Fail("unable to create VM 100 - VM 100 already exists on node 'node2'", expectKey: "create");
        Assert.True(h.Core.Rejected);
        Assert.Null(h.Next);
        Assert.Empty(h.Of<TaskAccepted>());
    }

    [Fact]
    public void A_failed_import_removes_every_new_volume_and_the_record()
    {
        var h = Started(Req());
        h.Succeed("create");
        h.Succeed("alloc:scsi0");
        h.Succeed("begin:scsi1");
        h.Fail("qemu-img: Could not open 'disk.vmdk'", expectKey: "import:scsi1");
        Assert.Equal("rollback", h.S.Phase);
        h.AssertRecovers();
        h.RunToEnd();
        Assert.Equal([NewDisk.DstVolid, Import.DstVolid], h.Step<DeleteVolumes>("rb-volumes").Volids);
        Assert.Equal((100, "node1"), (h.Step<DestroyVmRecord>("rb-destroy").VmId, h.Step<DestroyVmRecord>("rb-destroy").Node));
        Assert.Equal("unable to create VM 100 - qemu-img: Could not open 'disk.vmdk'", h.Core.ExitStatus);
        Assert.Equal("TASK ERROR: unable to create VM 100 - qemu-img: Could not open 'disk.vmdk'", h.Core.Log[^1]);
    }

    [Fact]
    public void A_failed_start_leaves_the_usable_vm_in_place()
    {
        var h = Started(Req(start: true));
        for (var i = 0; i < 6; i++) h.Succeed();
        h.Fail("kvm: failed to start", expectKey: "start");
        Assert.Null(h.Next);
        Assert.Equal("kvm: failed to start", h.Core.ExitStatus);
        Assert.DoesNotContain(h.Ran, k => k.StartsWith("rb-", StringComparison.Ordinal));
    }

    [Fact]
    public void Notes_are_logged_and_warnings_counted()
    {
        var h = Started(Req(disks: [], warnings: ["note: imported from OVA", "unknown option 'foo'"])).RunToEnd();
        Assert.Equal(["create", "config", "unlock"], h.Ran);
        Assert.Equal(["note: imported from OVA", "WARN: unknown option 'foo'", "TASK WARNINGS: 1"], h.Text);
        Assert.Equal("WARNINGS: 1", h.Core.ExitStatus);
    }

    [Fact]
    public void A_restored_template_gets_its_disks_back_read_only()
    {
        var disk = new DiskPlan("scsi0", "local:100/base-100-disk-0.qcow2", "qcow2", 4 * GiB, null, "", RestoreFrom: "local:backup/vzdump-qemu-9-x.tar");
        var h = Started(Req(disks: [disk], config: Config + "template: 1\n", archive: "local:backup/vzdump-qemu-9-x.tar")).RunToEnd();
        Assert.Equal(["create", "restore:scsi0", "template:scsi0", "config", "unlock"], h.Ran);
        var restore = h.Step<RestoreDisk>("restore:scsi0");
        Assert.Equal(("local:backup/vzdump-qemu-9-x.tar", "scsi0", disk.DstVolid), (restore.ArchiveVolid, restore.Drive, restore.DstVolid));
        Assert.True(h.Step<RenameVolume>("template:scsi0").ReadOnly);
        Assert.Equal("local:100/base-100-disk-0.qcow2,size=3G", QmConfig.Parse(h.Step<ReplaceConfig>("config").ConfigText)["scsi0"]);
        Assert.Equal("restore archive: local:backup/vzdump-qemu-9-x.tar", h.Text[0]);
        Assert.Contains("Convert to template.", h.Text);
    }

    [Fact]
    public void A_failed_restore_names_the_restore()
    {
        var disk = new DiskPlan("scsi0", "local:100/vm-100-disk-0.qcow2", "qcow2", 4 * GiB, null, "", RestoreFrom: "local:backup/a.tar");
        var h = Started(Req(disks: [disk], archive: "local:backup/a.tar"));
        h.Succeed("create");
        h.Fail("archive is truncated", expectKey: "restore:scsi0");
        h.RunToEnd();
        Assert.Equal("unable to restore VM 100 - archive is truncated", h.Core.ExitStatus);
    }

    [Fact]
    public void Import_progress_is_logged_at_most_once_a_second_and_never_as_100_percent()
    {
        var h = Started(Req(disks: [Import]));
        h.Succeed("create");
        h.Succeed("begin:scsi1");
        Assert.Single(h.Progress(new CopyProgressed(GiB / 2, GiB), TimeSpan.FromSeconds(1)));
        Assert.Empty(h.Progress(new CopyProgressed(GiB * 3 / 4, GiB), TimeSpan.FromMilliseconds(200)));
        Assert.Empty(h.Progress(new CopyProgressed(GiB, GiB), TimeSpan.FromSeconds(2)));
        Assert.Equal("transferred 512.0 MiB of 1.0 GiB (50.00%)", h.Text[^1]);
    }

    [Fact]
    public void Replaying_the_journal_after_any_step_asks_for_the_same_next_step()
    {
        var h = Started(Req(start: true));
        h.AssertRecovers();
        while (h.Next is not null)
        {
            h.Succeed();
            h.AssertRecovers();
        }
        Assert.Equal("OK", h.Core.ExitStatus);
    }
}

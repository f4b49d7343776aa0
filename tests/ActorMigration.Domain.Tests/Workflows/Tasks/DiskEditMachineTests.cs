using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Create;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Domain.Tests.Workflows.Tasks;

/// <summary>qmconfig with new disks and resize, driven purely through the machine's inputs.</summary>
public sealed class DiskEditMachineTests
{
    private const string Upid = "UPID:node1:00000001:00000001:6B000000:qmconfig:100:root@pam:";
    private const string Config = "memory: 512\nscsi0: local:100/vm-100-disk-0.qcow2,size=4G\nide2: local:iso/debian.iso,media=cdrom\n";
    private const string NewVolid = "local:100/vm-100-disk-1.qcow2";

    private static VmTaskRequest AddDisk(string drive = "scsi1", string? digest = null) => new(VmTaskMachine.Config, 100, "node1", "root@pam",
        Set: new Dictionary<string, string> { [drive] = NewVolid + ",size=1G" }, Delete: [], Digest: digest,
        Disks: [new DiskPlan(drive, NewVolid, "qcow2", 1L << 30, null, "")]);

    private static VmTaskRequest Grow(long size = 5L << 30, string disk = "scsi0", string volid = "local:100/vm-100-disk-0.qcow2") =>
        new(VmTaskMachine.Resize, 100, "node1", "root@pam", Resize: new DiskResize(disk, volid, size));

    private static MachineHarness<VmTaskWorkflowState> Started(VmTaskRequest r, bool running = false, string config = Config)
    {
        var facts = new VmFacts(MachineHarness<VmTaskWorkflowState>.Vm(100, config), new VmRuntime(100, running ? VmRunState.Running : VmRunState.Stopped));
        return new MachineHarness<VmTaskWorkflowState>(new VmTaskMachine(), Upid, s => s is GatherVmFacts ? facts : Done.Instance).Start(r);
    }

    [Fact]
    public void A_new_disk_is_allocated_then_written_to_the_config_then_hot_plugged()
    {
        var h = Started(AddDisk(), running: true).RunToEnd();
        Assert.Equal(["check", "alloc:scsi1", "edit", "plug:scsi1"], h.Ran);
        var alloc = Assert.Single(h.Step<AllocateVolumes>("alloc:scsi1").Volumes);
        Assert.Equal((NewVolid, "qcow2", 1L << 30), (alloc.Volid, alloc.Format, alloc.SizeBytes));
        Assert.Equal(NewVolid + ",size=1G", h.Step<EditConfig>("edit").Set["scsi1"]);
        Assert.Equal(("scsi1", NewVolid), (h.Step<HotplugDisk>("plug:scsi1").Drive, h.Step<HotplugDisk>("plug:scsi1").Volid));
        Assert.Contains($"scsi1: successfully created disk '{NewVolid},size=1G'", h.Text);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void A_new_nic_of_a_running_vm_is_written_then_plugged_a_changed_one_is_not()
    {
        var r = new VmTaskRequest(VmTaskMachine.Config, 100, "node1", "root@pam",
            Set: new Dictionary<string, string> { ["net1"] = "virtio=BC:24:11:00:00:02,bridge=vmbr0", ["net0"] = "e1000=BC:24:11:00:00:01" },
            Delete: [], Digest: null);
        var h = Started(r, running: true, config: Config + "net0: virtio=BC:24:11:00:00:01,bridge=vmbr0\n").RunToEnd();
        Assert.Equal(["check", "edit", "plug:net1"], h.Ran);
        var plug = h.Step<HotplugNic>("plug:net1");
        Assert.Equal(("node1", 100, "net1", "virtio=BC:24:11:00:00:02,bridge=vmbr0"), (plug.Node, plug.VmId, plug.Nic, plug.Value));
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void A_refused_config_write_removes_the_new_volume_again()
    {
        var h = Started(AddDisk());
        h.Succeed("check");
        h.Succeed("alloc:scsi1");
        h.Fail("checksum mismatch (file change by other user?)", expectKey: "edit");
        h.RunToEnd();
        Assert.Equal([NewVolid], h.Step<DeleteVolumes>("rb-volumes").Volids);
        Assert.Equal("checksum mismatch (file change by other user?)", h.Core.ExitStatus);
    }

    [Fact]
    public void A_failed_allocation_leaves_nothing_to_remove()
    {
        var h = Started(AddDisk());
        h.Succeed("check");
        h.Fail("qemu-img create failed", expectKey: "alloc:scsi1");
        h.RunToEnd();
        Assert.DoesNotContain("rb-volumes", h.Ran);
        Assert.Equal("qemu-img create failed", h.Core.ExitStatus);
    }

    /// <summary>
    /// vmconfig_hotplug_pending: a new scsi/virtio disk of a running VM is plugged; an ide/sata disk is allocated and
    /// stays pending (no plug step) until the next start, as with hotplug=0. A stopped VM's plug steps are no-ops.
    /// </summary>
    [Theory]
    [InlineData("sata1", true, null, false)]
    [InlineData("ide1", true, null, false)]
    [InlineData("scsi1", true, "0", false)]
    [InlineData("scsi1", true, "network,usb", false)]
    [InlineData("virtio1", true, "disk", true)]
    [InlineData("scsi1", false, null, true)]
    [InlineData("sata1", false, null, false)]
    public void Only_scsi_and_virtio_disks_are_plugged_and_only_with_disk_hotplug(string drive, bool running, string? hotplug, bool plugged)
    {
        var h = Started(AddDisk(drive), running, hotplug is null ? Config : Config + $"hotplug: {hotplug}\n").RunToEnd();
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Contains("alloc:" + drive, h.Ran);
        Assert.Equal(ActorMigration.Domain.Vms.ConfigEditMode.Stopped, h.Step<EditConfig>("edit").Mode);
        Assert.Equal(plugged, h.Ran.Contains("plug:" + drive));
    }

    [Fact]
    public void A_start_applies_what_is_pending_first_and_starts_qemu_with_the_result()
    {
        var pending = Config + "\n[PENDING]\nmemory: 1024\nsata1: local:100/vm-100-disk-1.qcow2,size=1G\n";
        var h = Started(new VmTaskRequest(VmTaskMachine.Start, 100, "node1", "root@pam"), config: pending).RunToEnd();
        Assert.Equal(["check", "pending", "start"], h.Ran);
        Assert.Equal(ActorMigration.Domain.Vms.ConfigEditMode.ApplyPending, h.Step<EditConfig>("pending").Mode);
        var started = Domain.Config.QmConfig.Parse(h.Step<StartVm>("start").ConfigText);
        Assert.Equal(("1024", "local:100/vm-100-disk-1.qcow2,size=1G"), (started["memory"], started["sata1"]));
        Assert.Null(started.Pending);
        // Nothing pending: no extra step; a destroy counts a pending disk among the VM's volumes.
        Assert.Equal(["check", "start"], Started(new VmTaskRequest(VmTaskMachine.Start, 100, "node1", "root@pam")).RunToEnd().Ran);
        Assert.Contains("local:100/vm-100-disk-1.qcow2", VmTaskMachine.OwnVolumes(Domain.Config.QmConfig.Parse(pending), 100));
    }

    [Fact]
    public void A_stale_digest_is_refused_before_anything_is_allocated()
    {
        var h = Started(AddDisk(digest: "0000")).RunToEnd();
        Assert.Equal(["check"], h.Ran);
        Assert.Equal("checksum mismatch (file change by other user?)", h.Core.ExitStatus);
    }

    [Fact]
    public void Resize_grows_the_volume_then_records_the_size_in_the_config()
    {
        var h = Started(Grow(), running: true).RunToEnd();
        Assert.Equal(["check", "resize", "config"], h.Ran);
        var r = h.Step<ResizeDisk>("resize");
        Assert.Equal(("scsi0", "local:100/vm-100-disk-0.qcow2", 5L << 30), (r.Drive, r.Volid, r.SizeBytes));
        Assert.Equal("local:100/vm-100-disk-0.qcow2,size=5G", h.Step<EditConfig>("config").Set["scsi0"]);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Equal("resize", VmTaskMachine.TaskType(VmTaskMachine.Resize));
    }

    [Theory]
    [InlineData("scsi3", "local:100/vm-100-disk-0.qcow2", "disk 'scsi3' does not exist")]
    [InlineData("ide2", "local:iso/debian.iso", "you can't resize a cdrom")]
    [InlineData("scsi0", "local:100/vm-100-disk-9.qcow2", "disk 'scsi0' does not exist")]
    public void Resize_is_refused_for_what_the_config_does_not_hold(string disk, string volid, string error)
    {
        var h = Started(Grow(disk: disk, volid: volid)).RunToEnd();
        Assert.Equal(["check"], h.Ran);
        Assert.Equal(error, h.Core.ExitStatus);
    }

    [Theory]
    [InlineData("+1G", 4L << 30, 5L << 30)]
    [InlineData("6G", 4L << 30, 6L << 30)]
    [InlineData("4G", 4L << 30, 4L << 30)]
    [InlineData("+512M", 1L << 30, 1536L << 20)]
    [InlineData("+0.5K", 1024, 1536)]
    public void New_sizes_are_absolute_or_relative(string text, long current, long expected)
    {
        var (size, error) = DiskEdits.NewSize(text, current);
        Assert.Null(error);
        Assert.Equal(expected, size);
    }

    [Fact]
    public void Shrinking_is_refused_with_proxmoxs_text()
    {
        Assert.Equal("shrinking disks is not supported", DiskEdits.NewSize("3G", 4L << 30).Error);
        Assert.True(DiskEdits.CanHotplug("virtio3"));
        Assert.False(DiskEdits.CanHotplug("efidisk0"));
    }
}

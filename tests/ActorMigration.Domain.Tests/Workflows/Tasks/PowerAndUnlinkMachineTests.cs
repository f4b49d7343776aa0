using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Domain.Tests.Workflows.Tasks;

/// <summary>qmreboot, qmreset, qmpause, qmresume and unlink driven purely through the machine's inputs.</summary>
public sealed class PowerAndUnlinkMachineTests
{
    private const string Upid = "UPID:node1:00000001:00000001:6B000000:qmreboot:100:root@pam:";
    private const string Config = "memory: 512\nscsi0: local:100/vm-100-disk-0.qcow2,size=4G\nscsi1: local:100/vm-100-disk-1.qcow2,size=8G\n" +
                                  "ide2: local:iso/debian.iso,media=cdrom\nunused0: local:100/vm-100-disk-2.raw\nscsi2: local:200/vm-200-disk-0.raw\n";

    private static MachineHarness<VmTaskWorkflowState> Started(VmTaskRequest r, VmRunState state, string? lockName = null, string config = Config)
    {
        var vm = MachineHarness<VmTaskWorkflowState>.Vm(100, config, lockName: lockName, lockOwner: "other");
        var facts = new VmFacts(vm, new VmRuntime(100, state));
        return new MachineHarness<VmTaskWorkflowState>(new VmTaskMachine(), Upid, s => s is GatherVmFacts ? facts : Done.Instance).Start(r);
    }

    private static VmTaskRequest Power(string kind, bool skipLock = false) => new(kind, 100, "node1", "root@pam", 45, skipLock);

    [Theory]
    [InlineData(VmTaskMachine.Reboot, "qmreboot")]
    [InlineData(VmTaskMachine.Reset, "qmreset")]
    [InlineData(VmTaskMachine.Suspend, "qmpause")]
    [InlineData(VmTaskMachine.Resume, "qmresume")]
    public void Each_power_action_has_proxmoxs_task_type(string kind, string type) => Assert.Equal(type, VmTaskMachine.TaskType(kind));

    [Fact]
    public void Reboot_shuts_down_within_the_timeout_then_starts_from_the_config_it_read()
    {
        var h = Started(Power(VmTaskMachine.Reboot), VmRunState.Running).RunToEnd();
        Assert.Equal(["check", "shutdown", "start"], h.Ran);
        Assert.Equal(45, h.Step<ShutdownVm>("shutdown").TimeoutSeconds);
        var start = h.Step<StartVm>("start");
        Assert.Equal((h.S.ConfigText, Upid), (start.ConfigText, start.Tag));
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Theory]
    [InlineData(VmTaskMachine.Reset, typeof(ResetVm))]
    [InlineData(VmTaskMachine.Suspend, typeof(PauseVm))]
    [InlineData(VmTaskMachine.Resume, typeof(ResumeVm))]
    public void Reset_suspend_and_resume_run_their_one_step(string kind, Type step)
    {
        var h = Started(Power(kind), kind == VmTaskMachine.Resume ? VmRunState.Paused : VmRunState.Running).RunToEnd();
        Assert.Equal(2, h.Ran.Count);
        Assert.IsType(step, h.Steps[^1]);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Theory]
    [InlineData(VmTaskMachine.Reboot, VmRunState.Stopped, null, "VM 100 not running")]
    [InlineData(VmTaskMachine.Reset, VmRunState.Stopped, null, "VM 100 not running")]
    [InlineData(VmTaskMachine.Suspend, VmRunState.Stopped, null, "VM 100 not running")]
    [InlineData(VmTaskMachine.Resume, VmRunState.Stopped, null, "VM 100 not running")]
    [InlineData(VmTaskMachine.Reboot, VmRunState.Paused, null, "VM is paused - cannot shutdown")]
    [InlineData(VmTaskMachine.Reset, VmRunState.Running, "migrate", "VM is locked (migrate)")]
    [InlineData(VmTaskMachine.Reboot, VmRunState.Running, "snapshot", "VM is locked (snapshot)")]
    [InlineData(VmTaskMachine.Suspend, VmRunState.Running, "migrate", "VM is locked (migrate)")]
    public void Refusals_end_the_task_before_any_step(string kind, VmRunState state, string? lockName, string error)
    {
        var h = Started(Power(kind), state, lockName).RunToEnd();
        Assert.Equal(["check"], h.Ran);
        Assert.Equal(error, h.Core.ExitStatus);
    }

    [Theory]
    [InlineData(VmTaskMachine.Suspend, VmRunState.Running)]
    [InlineData(VmTaskMachine.Resume, VmRunState.Paused)]
    public void Suspend_and_resume_pass_a_backup_lock_as_vm_suspend_and_vm_resume_do(string kind, VmRunState state) =>
        Assert.Equal("OK", Started(Power(kind), state, "backup").RunToEnd().Core.ExitStatus);

    [Fact]
    public void Skiplock_resets_a_locked_vm() =>
        Assert.Equal("OK", Started(Power(VmTaskMachine.Reset, skipLock: true), VmRunState.Running, "backup").RunToEnd().Core.ExitStatus);

    private static VmTaskRequest UnlinkRequest(bool force, params string[] ids)
    {
        var (set, delete, _) = Unlink.Plan(QmConfig.Parse(Config), 100, ids, force);
        return new VmTaskRequest(VmTaskMachine.UnlinkDisks, 100, "node1", "root@pam", 0, false, set, delete, null);
    }

    [Fact]
    public void Unlink_without_force_keeps_the_volume_as_unused_and_frees_an_unused_one()
    {
        var h = Started(UnlinkRequest(false, "scsi1", "unused0", "ide2", "scsi2"), VmRunState.Stopped).RunToEnd();
        Assert.Equal(["check", "edit", "volumes"], h.Ran);
        var edit = h.Step<EditConfig>("edit");
        Assert.Equal(new Dictionary<string, string> { ["unused1"] = "local:100/vm-100-disk-1.qcow2" }, edit.Set);
        Assert.Equal(["scsi1", "unused0", "ide2", "scsi2"], edit.Delete);
        // The cdrom's iso and another VM's volume are never freed.
        Assert.Equal(["local:100/vm-100-disk-2.raw"], h.Step<DeleteVolumes>("volumes").Volids);
    }

    [Fact]
    public void Unlink_with_force_frees_the_disks_volume()
    {
        var h = Started(UnlinkRequest(true, "scsi1", "nosuch0"), VmRunState.Stopped).RunToEnd();
        Assert.Empty(h.Step<EditConfig>("edit").Set);
        Assert.Equal(["local:100/vm-100-disk-1.qcow2"], h.Step<DeleteVolumes>("volumes").Volids);
    }

    [Fact]
    public void A_key_that_is_not_set_is_skipped_with_proxmoxs_warning()
    {
        var (set, delete, warnings) = Unlink.Plan(QmConfig.Parse(Config), 100, ["virtio3"], false);
        Assert.Empty(set);
        Assert.Empty(delete);
        Assert.Equal(["cannot delete 'virtio3' - not set in current configuration!"], warnings);
    }

    [Fact]
    public void Unlink_refuses_a_volume_a_snapshot_uses_and_an_attached_disk_of_a_running_vm()
    {
        const string withSnapshot = Config + "\n[s1]\nmemory: 512\nscsi1: local:100/vm-100-disk-1.qcow2,size=8G\n";
        var (set, delete, _) = Unlink.Plan(QmConfig.Parse(withSnapshot), 100, ["scsi1"], true);
        var h = Started(new VmTaskRequest(VmTaskMachine.UnlinkDisks, 100, "node1", "root@pam", 0, false, set, delete, null),
            VmRunState.Stopped, config: withSnapshot).RunToEnd();
        Assert.Equal("unable to delete 'local:100/vm-100-disk-1.qcow2' - volume is still in use (snapshot?)", h.Core.ExitStatus);
        Assert.Equal(["check"], h.Ran);

        var running = Started(UnlinkRequest(false, "scsi1"), VmRunState.Running).RunToEnd();
        Assert.Equal("cannot unlink 'scsi1' of a running VM: hot-unplug is not supported", running.Core.ExitStatus);
        Assert.Equal("OK", Started(UnlinkRequest(false, "unused0"), VmRunState.Running).RunToEnd().Core.ExitStatus);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("1", "virtio")]
    [InlineData("0", null)]
    [InlineData("enabled=1,type=isa", "isa")]
    [InlineData("1,fstrim_cloned_disks=1,freeze-fs=0", "virtio")]
    [InlineData("enabled=0,type=isa", null)]
    [InlineData("1,type=usb", null)]
    [InlineData("garbage", null)]
    public void The_agent_option_is_parsed_as_parse_guest_agent(string? value, string? channel) =>
        Assert.Equal(channel, GuestAgent.Channel(value));
}

using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Domain.Tests.Workflows.Tasks;

/// <summary>qmstart, qmstop, qmshutdown, qmconfig and qmdestroy driven purely through the machine's inputs.</summary>
public sealed class VmTaskMachineTests
{
    private const string Upid = "UPID:node1:00000001:00000001:6B000000:qmstart:100:root@pam:";
    private const string Config = "memory: 512\nscsi0: local:100/vm-100-disk-0.qcow2,size=4G\n" +
                                  "scsi1: local:9000/base-9000-disk-0.qcow2/100/vm-100-disk-1.qcow2,size=8G\n" +
                                  "ide2: local:iso/debian.iso,media=cdrom\nunused0: local:100/vm-100-disk-2.raw\n";

    private static VmTaskRequest Req(string kind, bool skipLock = false) => new(kind, 100, "node1", "root@pam", 30, skipLock,
        kind == VmTaskMachine.Config ? new Dictionary<string, string> { ["memory"] = "1024" } : null,
        kind == VmTaskMachine.Config ? ["unused0"] : null, kind == VmTaskMachine.Config ? "d1" : null);

    private static MachineHarness<VmTaskWorkflowState> Started(VmTaskRequest r, string config = Config, bool running = false,
        string? lockName = null, IReadOnlyList<int>? clones = null)
    {
        var vm = MachineHarness<VmTaskWorkflowState>.Vm(100, config, lockName: lockName, lockOwner: lockName == "destroyed" ? Upid : "other");
        if (clones is not null) vm = vm with { LinkedClones = clones };
        var facts = new VmFacts(vm, new VmRuntime(100, running ? VmRunState.Running : VmRunState.Stopped));
        return new MachineHarness<VmTaskWorkflowState>(new VmTaskMachine(), Upid, s => s is GatherVmFacts ? facts : Done.Instance).Start(r);
    }

    [Fact]
    public void A_short_task_is_accepted_when_recorded_and_starts_the_vm_with_the_config_it_read()
    {
        var h = Started(Req(VmTaskMachine.Start));
        Assert.Single(h.Of<TaskAccepted>());
        Assert.Equal("start", h.S.Phase);
        h.RunToEnd();
        Assert.Equal(["check", "start"], h.Ran);
        var start = h.Step<StartVm>("start");
        Assert.Equal(("node1", 100, Upid), (start.Node, start.VmId, start.Tag));
        Assert.Null(start.Incoming);
        Assert.Equal(h.S.ConfigText, start.ConfigText);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Equal("done", h.S.Phase);
    }

    [Theory]
    [InlineData(VmTaskMachine.Stop, typeof(StopVm))]
    [InlineData(VmTaskMachine.Shutdown, typeof(ShutdownVm))]
    [InlineData(VmTaskMachine.Config, typeof(EditConfig))]
    public void Stop_shutdown_and_config_run_their_one_step(string kind, Type stepType)
    {
        var h = Started(Req(kind), running: true).RunToEnd();
        Assert.Equal(["check", kind == VmTaskMachine.Config ? "edit" : kind], h.Ran);
        Assert.IsType(stepType, h.Steps[^1]);
        if (h.Steps[^1] is ShutdownVm sd) Assert.Equal(30, sd.TimeoutSeconds);
        if (h.Steps[^1] is EditConfig e)
        {
            Assert.Equal(new Dictionary<string, string> { ["memory"] = "1024" }, e.Set);
            Assert.Equal(["unused0"], e.Delete);
            Assert.Equal("d1", e.Digest);
        }
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Theory]
    [InlineData(VmTaskMachine.Start, true, null, "VM 100 already running")]
    [InlineData(VmTaskMachine.Start, false, "backup", "VM is locked (backup)")]
    [InlineData(VmTaskMachine.Destroy, true, null, "VM 100 is running - destroy failed")]
    public void Refusals_read_from_the_facts_end_the_task_with_proxmoxs_wording(string kind, bool running, string? lockName, string error)
    {
        var h = Started(Req(kind), running: running, lockName: lockName);
        if (kind == VmTaskMachine.Destroy) h.Succeed("lock");
        h.Succeed("check");
        h.RunToEnd();
        Assert.Equal(error, h.Core.ExitStatus);
        Assert.DoesNotContain(h.Ran, k => k is "start" or "volumes" or "record");
    }

    [Fact]
    public void Skiplock_ignores_a_foreign_lock()
    {
        var h = Started(Req(VmTaskMachine.Start, skipLock: true), lockName: "backup").RunToEnd();
        Assert.Equal(["check", "start"], h.Ran);
    }

    [Fact]
    public void A_template_is_not_started() =>
        Assert.Equal("you can't start a vm if it's a template", Started(Req(VmTaskMachine.Start), Config + "template: 1\n").RunToEnd().Core.ExitStatus);

    [Fact]
    public void Destroy_locks_then_removes_own_volumes_the_record_and_the_template_links()
    {
        var h = Started(Req(VmTaskMachine.Destroy));
        Assert.Empty(h.Of<TaskAccepted>());
        var lockStep = Assert.IsType<LockVm>(h.Next);
        Assert.Equal("destroyed", lockStep.Lock);
        h.RunToEnd();
        Assert.Equal(["lock", "check", "volumes", "record", "unlink:9000"], h.Ran);
        Assert.Equal(["local:100/vm-100-disk-0.qcow2", "local:9000/base-9000-disk-0.qcow2/100/vm-100-disk-1.qcow2", "local:100/vm-100-disk-2.raw"],
            h.Step<DeleteVolumes>("volumes").Volids);
        var unlink = h.Step<LinkClone>("unlink:9000");
        Assert.Equal((9000, 100, false), (unlink.TemplateVmId, unlink.Child, unlink.Add));
        Assert.Contains("Removed volume 'local:100/vm-100-disk-0.qcow2'", h.Text);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void A_template_with_linked_clones_is_not_destroyed_and_is_unlocked_again()
    {
        var h = Started(Req(VmTaskMachine.Destroy), clones: [101, 102]);
        h.Succeed("lock");
        h.Succeed("check");
        Assert.IsType<UnlockVm>(h.Next);
        h.AssertRecovers();
        h.RunToEnd();
        Assert.Equal("rb-unlock", h.Ran[^1]);
        Assert.Equal("base volume is used by linked clone(s): 101, 102", h.Core.ExitStatus);
    }

    [Fact]
    public void A_destroy_that_fails_after_the_record_is_gone_is_not_rolled_back()
    {
        var h = Started(Req(VmTaskMachine.Destroy));
        h.Succeed("lock");
        h.Succeed("check");
        h.Succeed("volumes");
        h.Succeed("record");
        h.Fail("template 9000 is gone", expectKey: "unlink:9000");
        Assert.Null(h.Next);
        Assert.DoesNotContain(h.Ran, k => k.StartsWith("rb-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_transient_failure_is_retried_then_counts()
    {
        var h = Started(Req(VmTaskMachine.Stop), running: true);
        h.Succeed("check");
        h.Fail("qmp timeout", final: false);
        h.Fail("qmp timeout", final: false);
        Assert.Equal("stop", h.Next!.Key);
        h.AssertRecovers();
        h.Fail("qmp timeout", final: false);
        Assert.Null(h.Next);
        Assert.Equal("qmp timeout", h.Core.ExitStatus);
    }

    [Fact]
    public void Replaying_the_journal_after_any_step_asks_for_the_same_next_step()
    {
        var h = Started(Req(VmTaskMachine.Destroy));
        while (h.Next is not null)
        {
            h.AssertRecovers();
            h.Succeed();
        }
        h.AssertRecovers();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Own_volumes_leave_out_isos_and_other_vms_and_count_snapshots()
    {
        var cfg = Domain.Config.QmConfig.Parse(Config + "scsi3: local:101/vm-101-disk-0.raw\n\n[s1]\nscsi4: local:100/vm-100-disk-9.qcow2\n");
        Assert.Equal(["local:100/vm-100-disk-0.qcow2", "local:9000/base-9000-disk-0.qcow2/100/vm-100-disk-1.qcow2", "local:100/vm-100-disk-2.raw",
            "local:100/vm-100-disk-9.qcow2"], VmTaskMachine.OwnVolumes(cfg, 100));
        Assert.Equal([9000], VmTaskMachine.LinkedTemplates(cfg));
    }
}

using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Snapshot;

namespace ActorMigration.Domain.Tests.Workflows.Snapshot;

/// <summary>Snapshots of running VMs: QMP steps, the RAM state, a rollback that stops and resumes, and the undo.</summary>
public sealed class RunningSnapshotMachineTests
{
    private const string Upid = "UPID:node1:00000001:00000001:6B000000:qmsnapshot:100:u:";
    private const string Disk0 = "local:100/vm-100-disk-0.qcow2", Disk1 = "local:100/vm-100-disk-1.qcow2";
    private static readonly string Config = $"memory: 512\nscsi0: {Disk0},size=4G\nvirtio1: {Disk1},size=1G\nide2: none,media=cdrom\n";
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1700000000);
    private readonly SnapshotMachine _m = new();

    private static VmFacts Facts(string config, bool running, string? lockOwner = null) =>
        new(new VmRecordView(100, true, "node1", config, QmConfig.Parse(config).Lock, lockOwner, [], "d"),
            new VmRuntime(100, running ? VmRunState.Running : VmRunState.Stopped, RunningMachine: running ? "pc-i440fx-7.2" : null));

    private static SnapshotRequest Req(string action, bool vmstate = false, bool start = false) =>
        new(action, 100, "node1", "s1", null, "u", start, action == SnapshotMachine.Rollback_ ? Guid.Empty : null, vmstate);

    /// <summary>Runs the workflow to its end; the facts step sees <paramref name="facts"/>. Returns the steps and the end state.</summary>
    private (List<WorkflowStep> Steps, SnapshotWorkflowState State) Run(SnapshotRequest r, VmFacts facts, string? failAt = null)
    {
        var s = _m.Initial(Upid);
        s = _m.ApplyAll(s, _m.Decide(s, new StartWorkflow(r, At)));
        var steps = new List<WorkflowStep>();
        while (_m.Next(s) is { } step)
        {
            steps.Add(step);
            WorkflowInput input = step.Key == failAt
                ? new StepFailedInput(step, "QMP error", true, At)
                : new StepSucceeded(step, step is GatherVmFacts ? facts : Done.Instance, At);
            s = _m.ApplyAll(s, _m.Decide(s, input));
        }
        return (steps, s);
    }

    [Fact]
    public void A_disk_only_snapshot_of_a_running_vm_snapshots_every_drive_through_qmp()
    {
        var (steps, s) = Run(Req("create"), Facts(Config, running: true));
        Assert.Equal(["lock", "check", "volumes", "config", "unlock"], steps.Select(x => x.Key));
        var step = Assert.IsType<SnapshotRunningVm>(steps[2]);
        Assert.Equal([new SnapshotDrive("scsi0", Disk0), new SnapshotDrive("virtio1", Disk1)], step.Drives);
        Assert.Equal(("create", "s1", null), (step.Action, step.Name, step.VmStateDrive));
        var snap = QmConfig.Parse(s.NewConfigText!).Snapshot("s1")!;
        Assert.Null(snap["vmstate"]);
        Assert.Null(snap["runningmachine"]);
        Assert.Equal("OK", s.Core.ExitStatus);
    }

    [Fact]
    public void A_vmstate_snapshot_saves_the_ram_into_the_first_disk_and_records_the_machine()
    {
        var (steps, s) = Run(Req("create", vmstate: true), Facts(Config, running: true));
        var step = Assert.IsType<SnapshotRunningVm>(steps.Single(x => x.Key == "volumes"));
        Assert.Equal("scsi0", step.VmStateDrive);
        var snap = QmConfig.Parse(s.NewConfigText!).Snapshot("s1")!;
        Assert.Equal(Disk0, snap["vmstate"]);
        Assert.Equal("pc-i440fx-7.2", snap["runningmachine"]);
        Assert.Equal("1700000000", snap["snaptime"]);
        Assert.Contains(s.Core.Log, l => l.EndsWith("saving VM state and RAM", StringComparison.Ordinal));
    }

    [Fact]
    public void Vmstate_on_a_stopped_vm_is_ignored_as_proxmox_does()
    {
        var (steps, s) = Run(Req("create", vmstate: true), Facts(Config, running: false));
        var step = Assert.IsType<SnapshotVolumes>(steps.Single(x => x.Key == "volumes"));
        Assert.Equal([Disk0, Disk1], step.Volids);
        Assert.Null(QmConfig.Parse(s.NewConfigText!).Snapshot("s1")!["vmstate"]);
    }

    private static string WithSnapshot(bool vmstate) =>
        Config + "parent: s1\n\n[s1]\nmemory: 256\n" + $"scsi0: {Disk0},size=4G\nvirtio1: {Disk1},size=1G\nsnaptime: 1\n" +
        (vmstate ? $"runningmachine: pc-i440fx-7.1\nvmstate: {Disk0}\n" : "");

    [Fact]
    public void A_rollback_to_a_vmstate_snapshot_stops_rolls_back_and_resumes_from_the_saved_state()
    {
        var (steps, s) = Run(Req("rollback"), Facts(WithSnapshot(vmstate: true), running: true));
        Assert.Equal(["lock", "check", "stop", "volumes", "config", "unlock", "start"], steps.Select(x => x.Key));
        Assert.IsType<StopVm>(steps[2]);
        Assert.Equal("rollback", Assert.IsType<SnapshotVolumes>(steps[3]).Action);
        var start = Assert.IsType<StartVm>(steps[6]);
        Assert.Equal("s1", start.LoadVm);
        Assert.Equal("pc-i440fx-7.1", QmConfig.Parse(start.ConfigText)["machine"]);
        var main = QmConfig.Parse(s.NewConfigText!);
        Assert.Equal("256", main["memory"]);
        Assert.Null(main["vmstate"]);
        Assert.Null(main["runningmachine"]);
        Assert.Null(main["machine"]);
        Assert.Equal(Disk0, main.Snapshot("s1")!["vmstate"]);
    }

    [Theory]
    [InlineData(false, new[] { "lock", "check", "stop", "volumes", "config", "unlock" })]
    [InlineData(true, new[] { "lock", "check", "stop", "volumes", "config", "unlock", "start" })]
    public void A_rollback_to_a_disk_only_snapshot_stops_the_vm_and_starts_it_only_when_asked(bool start, string[] expected)
    {
        var (steps, _) = Run(Req("rollback", start: start), Facts(WithSnapshot(vmstate: false), running: true));
        Assert.Equal(expected, steps.Select(x => x.Key));
        if (start) Assert.Null(Assert.IsType<StartVm>(steps[^1]).LoadVm);
    }

    [Fact]
    public void A_rollback_of_a_stopped_vm_does_not_stop_it()
    {
        var (steps, _) = Run(Req("rollback"), Facts(WithSnapshot(vmstate: false), running: false));
        Assert.Equal(["lock", "check", "volumes", "config", "unlock"], steps.Select(x => x.Key));
    }

    [Fact]
    public void A_delete_on_a_running_vm_goes_through_qmp()
    {
        var (steps, s) = Run(Req("delete"), Facts(WithSnapshot(vmstate: true), running: true));
        var step = Assert.IsType<SnapshotRunningVm>(steps.Single(x => x.Key == "volumes"));
        Assert.Equal(("delete", null), (step.Action, step.VmStateDrive));
        Assert.Null(QmConfig.Parse(s.NewConfigText!).Snapshot("s1"));
    }

    [Fact]
    public void A_failed_running_snapshot_is_removed_again_through_qmp()
    {
        var (steps, s) = Run(Req("create", vmstate: true), Facts(Config, running: true), failAt: "config");
        Assert.Equal(["lock", "check", "volumes", "config", "rb-volumes", "rb-unlock"], steps.Select(x => x.Key));
        var undo = Assert.IsType<SnapshotRunningVm>(steps[4]);
        Assert.Equal(("delete", null), (undo.Action, undo.VmStateDrive));
        Assert.Equal("QMP error", s.Core.Error);
    }

    [Fact]
    public void A_running_vm_with_a_tpm_state_is_refused()
    {
        var facts = Facts(Config + "tpmstate0: local:100/vm-100-disk-2.qcow2,size=4M,version=v2.0\n", running: true);
        Assert.Equal("snapshots of a running VM with tpmstate0 are not supported - stop the VM first",
            SnapshotMachine.Plan(Req("create"), facts, "", At).Error);
    }

    [Fact]
    public void A_workflow_recovered_from_an_older_version_without_the_plan_goes_on_with_qemu_img()
    {
        var s = _m.Initial(Upid);
        s = _m.ApplyAll(s, _m.Decide(s, new StartWorkflow(Req("create"), At)));
        while (_m.Next(s) is { Key: not "volumes" } step)
            s = _m.ApplyAll(s, _m.Decide(s, new StepSucceeded(step, step is GatherVmFacts ? Facts(Config, running: false) : Done.Instance, At)));
        var old = s with { Plan = null };
        Assert.Equal([Disk0, Disk1], Assert.IsType<SnapshotVolumes>(_m.Next(old)).Volids);
    }
}

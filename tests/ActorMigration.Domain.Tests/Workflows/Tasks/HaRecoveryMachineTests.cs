using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.HaRecovery;

namespace ActorMigration.Domain.Tests.Workflows.Tasks;

/// <summary>The ha-recovery task driven purely through its inputs.</summary>
public sealed class HaRecoveryMachineTests
{
    private const string Upid = "UPID:node1:00000000:00000001:6B000000:ha-recovery:100:root@pam:";
    private const string Config = "memory: 512\nscsi0: shared:100/vm-100-disk-0.qcow2,size=4G\n";
    private static readonly DateTimeOffset Expired = MachineHarness<HaRecoveryWorkflowState>.T0.AddSeconds(-1);

    private static HaRecoveryRequest Request(string from = "node3", string to = "node1", bool fenced = true, bool start = true) =>
        new(100, from, to, fenced, start, ["2024-09-23 21:34:40 node 'node3': state changed from 'fence' => 'fenced'"]);

    private static MachineHarness<HaRecoveryWorkflowState> Started(HaRecoveryRequest r, NodeFenceFacts? lease = null,
        bool runningOnTarget = false, bool runningOnSource = false, string recordNode = "node1")
    {
        lease ??= new NodeFenceFacts(r.From, true, true, Expired, MachineHarness<HaRecoveryWorkflowState>.T0);
        return new MachineHarness<HaRecoveryWorkflowState>(new HaRecoveryMachine(), Upid, s => s switch
        {
            CheckNodeFenced => lease,
            GatherVmFacts { Key: "source" } => Facts(r.From, runningOnSource),
            GatherVmFacts => Facts(recordNode, runningOnTarget),
            _ => Done.Instance
        }).Start(r);
    }

    private static VmFacts Facts(string node, bool running) =>
        new(MachineHarness<HaRecoveryWorkflowState>.Vm(100, Config, node, "migrate", Upid),
            new VmRuntime(100, running ? VmRunState.Running : VmRunState.Stopped));

    [Fact]
    public void From_a_fenced_node_it_locks_checks_the_lease_moves_the_record_starts_on_the_target_and_unlocks()
    {
        var h = Started(Request());
        Assert.True(h.Core.Accepted);
        h.RunToEnd();
        Assert.Equal(["lock", "fenced", "recover", "check", "start", "unlock"], h.Ran);
        Assert.Equal(("node3", "node1"), (h.Step<RecoverVm>("recover").From, h.Step<RecoverVm>("recover").To));
        Assert.Equal(("node3", "migrate"), (h.Step<LockVm>("lock").Node, h.Step<LockVm>("lock").Lock));
        var start = h.Step<StartVm>("start");
        Assert.Equal("node1", start.Node);
        Assert.Null(start.Incoming);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.True(h.Core.PastPointOfNoReturn);
        Assert.Contains(h.Log, l => l.EndsWith("node 'node3': state changed from 'fence' => 'fenced'", StringComparison.Ordinal));
        Assert.Contains("recover service 'vm:100' from fenced node 'node3' to node 'node1'", h.Text);
        Assert.Contains("starting service vm:100", h.Text);
        Assert.Contains("service status vm:100 started", h.Text);
        Assert.Contains(h.Text, l => l.StartsWith("node 'node3' is fenced: its lease expired at 21:34:42.000", StringComparison.Ordinal));
        h.AssertRecovers();
    }

    [Fact]
    public void A_lease_that_still_runs_stops_the_recovery_before_the_record_moves()
    {
        var h = Started(Request(), new NodeFenceFacts("node3", true, false, Expired.AddSeconds(30), MachineHarness<HaRecoveryWorkflowState>.T0));
        h.RunToEnd();
        Assert.Equal(["lock", "fenced", "rb-unlock"], h.Ran);
        Assert.False(h.Core.PastPointOfNoReturn);
        Assert.StartsWith("node 'node3' is not fenced: its lease runs until 21:35:12.000", h.Core.ExitStatus);
    }

    [Fact]
    public void A_node_whose_lease_no_member_holds_is_never_treated_as_fenced()
    {
        var h = Started(Request(), new NodeFenceFacts("node3", false, false, null, MachineHarness<HaRecoveryWorkflowState>.T0));
        h.RunToEnd();
        Assert.DoesNotContain("recover", h.Ran);
        Assert.Equal("node 'node3' is not fenced: no member holds its lease, so no watchdog guards it", h.Core.ExitStatus);
    }

    [Fact]
    public void A_start_that_fails_after_the_move_ends_in_error_and_still_unlocks()
    {
        var h = Started(Request());
        foreach (var key in new[] { "lock", "fenced", "recover", "check" }) h.Succeed(key);
        for (var i = 0; i < 3 && h.Next?.Key == "start"; i++) h.Fail("start failed: no memory", final: false, expectKey: "start");
        h.RunToEnd();
        Assert.Equal("unlock", h.Ran[^1]);
        Assert.Equal("start failed: no memory", h.Core.ExitStatus);
        h.AssertRecovers();
    }

    [Fact]
    public void A_restart_on_the_same_node_neither_checks_a_lease_nor_moves_the_record()
    {
        var h = Started(Request("node1", "node1", fenced: false));
        h.RunToEnd();
        Assert.Equal(["lock", "check", "start", "unlock"], h.Ran);
    }

    [Fact]
    public void A_relocation_is_refused_while_the_vm_runs_on_its_node()
    {
        var h = Started(Request("node2", "node1", fenced: false), runningOnSource: true);
        h.RunToEnd();
        Assert.Equal(["lock", "source", "rb-unlock"], h.Ran);
        Assert.Equal("service 'vm:100' still runs on node 'node2'", h.Core.ExitStatus);
    }

    [Fact]
    public void A_vm_that_already_runs_on_the_target_after_a_crash_is_not_started_twice()
    {
        var h = Started(Request(), runningOnTarget: true);
        h.RunToEnd();
        Assert.Equal(["lock", "fenced", "recover", "check", "unlock"], h.Ran);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void A_stopped_resource_is_moved_but_not_started()
    {
        var h = Started(Request(start: false));
        h.RunToEnd();
        Assert.Equal(["lock", "fenced", "recover", "check", "unlock"], h.Ran);
    }

    [Fact]
    public void A_record_that_is_not_on_the_target_after_the_move_fails_the_task()
    {
        var h = Started(Request(), recordNode: "node2");
        h.RunToEnd();
        Assert.Equal(["lock", "fenced", "recover", "check", "unlock"], h.Ran);
        Assert.Equal("Configuration file 'nodes/node1/qemu-server/100.conf' does not exist", h.Core.ExitStatus);
    }
}

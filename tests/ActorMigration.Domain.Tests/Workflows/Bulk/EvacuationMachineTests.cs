using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Workflows.Bulk;
using ActorMigration.Domain.Workflows.Evacuation;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Workflows.Bulk;

/// <summary>The evacuation: plan (spread, reasons), rounds, retry after a failure, exit statuses.</summary>
public class EvacuationMachineTests
{
    private const string Upid = "UPID:node2:00000001:00000001:00000001:evacuate::root@pam:";
    private const string Storage = "dir: local\n\tpath /var/lib/vz\n\tcontent images\n\ndir: shared\n\tpath /mnt/shared\n\tcontent images\n\tshared 1\n";

    private static string Child(int vmid, int round = 0) => $"UPID:node2:00000001:0000{round:X2}{vmid % 100:X2}:00000001:qmigrate:{vmid}:root@pam:";

    private static BulkVm Vm(int vmid, string config, bool running = true, string? lockName = null, int round = 0) =>
        new(vmid, config, running, lockName, Child(vmid, round));

    private static readonly List<NodeCapacity> Nodes = [Node("node1", memGiB: 8), Node("node2", maintenance: true), Node("node3", memGiB: 8)];

    private static EvacuationFacts Facts(HaConfigState? ha, params BulkVm[] vms) => new(vms, Nodes, [], Storage, ha ?? HaConfigState.Empty);

    private static HaConfigState Pinned()
    {
        var ha = HaConfigState.Empty;
        ha = ha with { Groups = ha.Groups.Add("pin2", Group("pin2", true, ("node2", 0))) };
        return ha with { Resources = ha.Resources.Add("vm:105", new HaResource("vm:105", "started", null, null, "pin2", null)) };
    }

    private static MachineHarness<EvacuationWorkflowState> Start() =>
        new MachineHarness<EvacuationWorkflowState>(new EvacuationMachine(), Upid).Start(new EvacuationRequest("node2", false, "root@pam"));

    [Fact]
    public void Each_blocked_reason_is_reported_and_the_movable_vms_spread_over_the_allowed_nodes()
    {
        var h = Start();
        h.Succeed("online:0", new NodeOnlinePolled(true));
        h.Succeed("scan:0", Facts(Pinned(),
            Vm(100, "memory: 2048\nscsi0: shared:100/vm-100-disk-0.raw\n"), Vm(101, "memory: 2048\n"), Vm(102, "memory: 2048\n"),
            Vm(103, "memory: 512\ntemplate: 1\n", running: false), Vm(104, "memory: 512\nhostpci0: 0000:01:00.0\n"),
            Vm(105, "memory: 512\n"), Vm(106, "memory: 512\nscsi0: local:106/vm-106-disk-0.qcow2\n"),
            Vm(107, "memory: 65536\n")));
        var start = Assert.IsType<StartChildTasks>(h.Next);
        Assert.Equal([100, 101, 102], start.Children.Select(c => c.Request.VmId));
        Assert.Equal(["node1", "node3", "node1"], start.Children.Select(c => c.Request.Target));
        Assert.All(start.Children, c => Assert.Equal(("maintenance", Upid), (c.Slot.Class, c.Slot.Group)));
        h.Succeed(result: new TasksStarted(start.Children.Select(c => new ChildStarted(c.Upid, null)).ToList()));
        h.AssertRecovers();
        h.Succeed(result: new TasksPolled(start.Children.Select(c => new ChildEnded(c.Upid, "OK")).ToList()));
        Assert.Null(h.Next);
        Assert.Equal("WARNINGS: 5", h.Core.ExitStatus);
        Assert.Contains("WARN: VM 103 stays on node 'node2': template", h.Text);
        Assert.Contains("WARN: VM 104 stays on node 'node2': local resources: hostpci0", h.Text);
        Assert.Contains("WARN: VM 105 stays on node 'node2': pinned by HA group 'pin2' (restricted to node2)", h.Text);
        Assert.Contains("WARN: VM 106 stays on node 'node2': local disk without with-local-disks: local:106/vm-106-disk-0.qcow2", h.Text);
        Assert.Contains(h.Text, l => l.StartsWith("WARN: VM 107 stays on node 'node2': no allowed node: node1 has", StringComparison.Ordinal));
        Assert.Contains($"VM 100: migrate to node 'node1' (online): task {Child(100)}", h.Text);
    }

    [Fact]
    public void A_failed_child_or_a_locked_vm_gets_another_round_after_the_node_is_online_again()
    {
        var h = Start();
        h.Succeed("online:0", new NodeOnlinePolled(true));
        h.Succeed("scan:0", Facts(null, Vm(100, "memory: 512\n"), Vm(101, "memory: 512\n", lockName: "backup")));
        var start = Assert.IsType<StartChildTasks>(h.Next);
        h.Succeed(result: new TasksStarted([new ChildStarted(Child(100), null)]));
        h.Succeed(result: new TasksPolled([new ChildEnded(Child(100), "migration aborted")]));
        h.Succeed("online:1", new NodeOnlinePolled(false));
        Assert.Equal("online:1", h.Next!.Key);
        Assert.Contains("waiting for node 'node2' to be online", h.Text);
        h.Succeed("online:1", new NodeOnlinePolled(true));
        h.Succeed("online:1", new NodeOnlinePolled(true));
        Assert.Equal("online:1", h.Next!.Key); // settling after its return
        Assert.Contains("node 'node2' is online again; next scan in 10 s", h.Text);
        h.Now += EvacuationMachine.Settle;
        h.Succeed("online:1", new NodeOnlinePolled(true));
        h.Succeed("scan:1", Facts(null, Vm(100, "memory: 512\n", round: 1), Vm(101, "memory: 512\n", round: 1)));
        var again = Assert.IsType<StartChildTasks>(h.Next);
        Assert.Equal([Child(100, 1), Child(101, 1)], again.Children.Select(c => c.Upid));
        h.Succeed(result: new TasksStarted(again.Children.Select(c => new ChildStarted(c.Upid, null)).ToList()));
        h.Succeed(result: new TasksPolled(again.Children.Select(c => new ChildEnded(c.Upid, "OK")).ToList()));
        Assert.Null(h.Next);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Contains("evacuation of node 'node2': 2 VMs moved, 0 stay", h.Text);
        Assert.Single(start.Children);
    }

    [Fact]
    public void Children_that_keep_failing_end_with_problems_after_the_last_round()
    {
        var h = Start();
        for (var r = 0; r < Evacuation.MaxRounds; r++)
        {
            h.Succeed($"online:{r}", new NodeOnlinePolled(true));
            h.Succeed($"scan:{r}", Facts(null, Vm(100, "memory: 512\n", round: r)));
            h.Succeed(result: new TasksStarted([new ChildStarted(Child(100, r), null)]));
            h.Succeed(result: new TasksPolled([new ChildEnded(Child(100, r), "migration aborted")]));
        }
        Assert.Null(h.Next);
        Assert.Equal("evacuation finished with problems: 1 VMs could not be moved", h.Core.ExitStatus);
    }

    [Fact]
    public void Nothing_movable_ends_at_once_and_an_abort_ends_interrupted()
    {
        var h = Start();
        h.Succeed("online:0", new NodeOnlinePolled(true));
        h.Succeed("scan:0", Facts(null));
        Assert.Null(h.Next);
        Assert.Equal("OK", h.Core.ExitStatus);

        var a = Start();
        a.Succeed("online:0", new NodeOnlinePolled(true));
        a.Succeed("scan:0", Facts(null, Vm(100, "memory: 512\n")));
        a.Succeed(result: new TasksStarted([new ChildStarted(Child(100), null)]));
        a.Abort();
        Assert.Equal([Child(100)], Assert.IsType<AbortTasks>(a.Next).Upids);
        a.Succeed(result: new TasksPolled([]));
        Assert.Equal("received interrupt", a.Core.ExitStatus);
    }
}

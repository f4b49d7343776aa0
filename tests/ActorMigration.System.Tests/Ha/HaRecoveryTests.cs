using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Ha;

/// <summary>
/// Issue 13, simulated driver: three members on PostgreSQL (the HA manager runs on m1, the oldest, never killed here),
/// fencing automatic with a 3 s fence timeout (lease 5 s). A node's member is killed with kill -9; its HA VMs (disks on
/// storage <c>shared</c>, one directory for all members) run again on the survivors. Where copies run is sampled from the
/// simulated driver's state files every 50 ms, the HA status from m1's API every 100 ms.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class HaRecoveryTests(ITestOutputHelper output)
{
    /// <summary>From the kill to each HA VM running on a survivor (documented in docs/benchmarks.md, HA recovery).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FastLease = TimeSpan.FromMilliseconds(HaChecks.FastFenceTimeoutMs + 2000);

    [Fact]
    public async Task A_killed_member_s_ha_vms_run_again_on_survivors_within_30_s_through_one_recovery_task_each_its_other_vm_stays()
    {
        await using var three = await ThreeMembers.StartAsync(env: HaChecks.FastFencing(), sharedStorage: SharedStorage.NewDir());
        var (m1, m3) = (three[0], three[2]);
        int[] ha = [701, 702];
        const int plain = 703;
        foreach (var vmid in ha) await HaVms.CreateAsync(m1.Client, "node3", vmid, 512, ha: true);
        await HaVms.CreateAsync(m1.Client, "node3", plain, 512, ha: false);
        Assert.All(ha.Append(plain), vmid => Assert.Equal(["node3"], HaVms.SimCopies(three, vmid)));
        await HaChecks.WaitArmedAsync(three.Pg, "node3", FastLease);

        await using var status = new HaStatusWatch(m1.Client);
        await using var copies = new CopyWatch(ha, vmid => HaVms.SimCopies(three, vmid));
        var killedAt = DateTime.UtcNow;
        m3.Kill9();
        var ran = await HaChecks.WaitRunningElsewhereAsync(m1.Client, ha, "node3", TimeSpan.FromSeconds(90));
        foreach (var (vmid, (node, at)) in ran)
            output.WriteLine($"VM {vmid} runs on {node} {(at - killedAt).TotalSeconds:F1} s after the kill");

        foreach (var vmid in ha)
        {
            var (node, at) = ran[vmid];
            Assert.Contains(node, new[] { "node1", "node2" });
            Assert.True(at - killedAt <= Bound, $"VM {vmid} ran on {node} only {(at - killedAt).TotalSeconds:F1} s after the kill");
            await HaChecks.OneRecoveryOkAsync(m1.Client, vmid, "node3", node, output);
        }
        output.WriteLine(status.Describe());
        await HaChecks.AssertFencedThenRecoveredAsync(status, "node3", ha, withFence: false);

        // The other VM's record stays with the offline node, and nothing recovers it.
        Assert.Equal("node3", await HaVms.NodeOfAsync(m1.Client, plain));
        Assert.Empty(await HaVms.RecoveryTasksAsync(m1.Client, plain, ThreeMembers.Nodes));
        Assert.DoesNotContain(HaVms.SimCopies(three, plain), n => n != "node3");

        // Reality: a while later still exactly one copy of each HA VM, on its node (node3's watchdog ended the old ones), and
        // never two at once; still one recovery task each.
        await Task.Delay(TimeSpan.FromSeconds(3));
        output.WriteLine(copies.Describe());
        Assert.Null(copies.Violation);
        Assert.True(copies.LongestGap < TimeSpan.FromSeconds(1), copies.Describe());
        foreach (var vmid in ha)
        {
            Assert.Equal([ran[vmid].Node], HaVms.SimCopies(three, vmid));
            Assert.Single(await HaVms.RecoveryTasksAsync(m1.Client, vmid, ThreeMembers.Nodes));
        }
    }

    [Fact]
    public async Task Kill_9_of_the_member_running_a_recovery_still_ends_with_exactly_one_copy_on_the_last_node()
    {
        // Only m2's simulated driver waits 10 s before it starts a VM: the recovery to node2 is caught in its start.
        await using var three = await ThreeMembers.StartAsync(env: HaChecks.FastFencing(), sharedStorage: SharedStorage.NewDir(),
            memberEnv: [null, new Dictionary<string, string> { ["AM_SIM_HOLDS"] = "start:10000" }]);
        var (m1, m2, m3) = (three[0], three[1], three[2]);
        const int vmid = 711;
        var c = m1.Client;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await c.Post("/cluster/ha/groups", ("group", "g1"), ("nodes", "node2:2,node1:1"))).Status);
        await HaVms.CreateAsync(c, "node3", vmid, 512, ha: true);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await c.Put($"/cluster/ha/resources/vm:{vmid}", ("group", "g1"))).Status);
        await HaChecks.WaitArmedAsync(three.Pg, "node3", FastLease);

        await using var status = new HaStatusWatch(c);
        await using var copies = new CopyWatch([vmid], v => HaVms.SimCopies(three, v));
        m3.Kill9();
        string? first = null;
        await PveClient.Eventually(async () =>
        {
            var running = (await HaVms.RecoveryTasksAsync(c, vmid, ["node2"])).FirstOrDefault(t => t["status"]?.GetValue<string>() == "running");
            first = running?["upid"]!.GetValue<string>();
            return first is not null && (await c.Log(first)).Any(l => l.Contains($"recover service 'vm:{vmid}' from fenced node 'node3' to node 'node2'"));
        }, TimeSpan.FromSeconds(60), "the recovery to node2 runs and logged its recover line");
        Assert.Same(m2, three.WorkflowMember(first!));
        // node2 carries the HA VM's record now: its watchdog is armed (lease held) before its member dies, else nothing would
        // guard it and the manager rightly never recovers from it.
        await HaChecks.WaitArmedAsync(three.Pg, "node2", FastLease);
        Assert.DoesNotContain(HaVms.SimCopies(three, vmid), n => n != "node3"); // held before it runs
        Assert.Equal("running", (await HaVms.RecoveryTasksAsync(c, vmid, ["node2"])).Single()["status"]?.GetValue<string>());
        m2.Kill9();

        var ran = await HaChecks.WaitRunningElsewhereAsync(c, [vmid], "node2", TimeSpan.FromSeconds(120));
        Assert.Equal("node1", ran[vmid].Node);
        var tasks = await HaVms.RecoveryTasksAsync(c, vmid, ThreeMembers.Nodes);
        var firstStatus = await c.Wait(first!, TimeSpan.FromSeconds(60));
        output.WriteLine($"first recovery {first} ended '{firstStatus}':\n  {string.Join("\n  ", await c.Log(first!))}");
        Assert.NotEqual("OK", firstStatus); // its target died with the record on it: it cannot have started the VM there
        Assert.Equal(2, tasks.Count); // the one to node2, then one from node2 (fenced in turn) to node1
        var second = tasks.Select(t => t["upid"]!.GetValue<string>()).Single(u => u.StartsWith("UPID:node1:", StringComparison.Ordinal));
        Assert.Equal("OK", await c.Wait(second, TimeSpan.FromSeconds(60)));
        var log = await c.Log(second);
        output.WriteLine($"second recovery {second}:\n  {string.Join("\n  ", log)}");
        Assert.Contains(log, l => l.Contains($"recover service 'vm:{vmid}' from fenced node 'node2' to node 'node1'"));
        Assert.Equal("TASK OK", log[^1]);

        // Exactly one copy ran at any time and one runs now, on node1; the record is node1's, unlocked.
        await Task.Delay(TimeSpan.FromSeconds(3));
        output.WriteLine(copies.Describe());
        output.WriteLine(status.Describe());
        Assert.Null(copies.Violation);
        Assert.Equal(["node1"], HaVms.SimCopies(three, vmid));
        Assert.Equal("node1", await HaVms.NodeOfAsync(c, vmid));
        var cfg = await c.Get($"/nodes/node1/qemu/{vmid}/config");
        Assert.Equal(System.Net.HttpStatusCode.OK, cfg.Status);
        Assert.Null(cfg.Data!["lock"]);
        await HaChecks.AssertFencedThenRecoveredAsync(status, "node2", [vmid], withFence: false);
    }
}

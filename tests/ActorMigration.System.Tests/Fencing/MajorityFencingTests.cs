using ActorMigration.Actors.Fencing;
using ActorMigration.SystemTests.Qemu;

namespace ActorMigration.SystemTests.Fencing;

/// <summary>
/// Three members with fencing on (fence timeout 4 s). A member that sees the other two unreachable (here: frozen)
/// has no majority: it stops petting at once, and its own node's VMs are fenced although it still runs.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class MajorityFencingTests
{
    [Fact]
    public async Task A_member_that_loses_the_majority_stops_petting_and_its_node_s_vms_are_fenced()
    {
        await using var three = await ThreeMembers.StartAsync(speed: "2", env: FenceSampler.Env(timeoutMs: 4000));
        var m1 = three[0];
        await QemuVms.CreateAsync(m1.Client, "node1", 100, 512, start: true);
        var leases = new NodeLeases("postgres", three.Pg);
        await FenceSampler.WaitHeldAsync(leases, "node1", TimeSpan.FromSeconds(6));
        await FenceSampler.WaitHeldAsync(leases, "node3", TimeSpan.FromSeconds(6));

        three[1].Stop();
        three[2].Stop();
        try
        {
            var vm = Path.Combine(FenceSampler.RunDir(m1, "node1"), "sim", "vms", "100.json");
            var (gone, expired) = await FenceSampler.UntilFencedAsync(leases, "node1", () => File.Exists(vm), TimeSpan.FromSeconds(40));
            Assert.True(expired > gone);
            Assert.Contains("Fencing: stopped petting the watchdogs of node1 (up True, 2 of 3 members unreachable)", m1.ReadLog());
            Assert.Contains("simulated VM pid", FenceSampler.WatchdogLog(m1, "node1"));
        }
        finally
        {
            three[1].Continue();
            three[2].Continue();
        }
    }
}

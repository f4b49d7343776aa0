using System.Diagnostics;
using System.Net;
using ActorMigration.Actors.Fencing;
using ActorMigration.Domain.Ha;
using ActorMigration.SystemTests.Qemu;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Fencing;

/// <summary>
/// AM_FENCE unset (auto): a node is armed only while it carries HA-managed VMs. Adding the VM as an HA resource arms
/// its node (lease, watchdog), which a clean stop and restart keep armed; removing it releases the lease and disarms the
/// watchdog, so a frozen member then kills nothing.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class HaArmingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Arming = TimeSpan.FromSeconds(5);
    private static readonly FenceTimings T = FenceTimings.FromMilliseconds(3000, null, null);

    [Fact]
    public async Task An_ha_vm_arms_its_node_across_a_restart_and_removing_it_releases_the_lease_then_disarms_so_a_frozen_member_kills_nothing()
    {
        await using var m = new MemberProcess(new Dictionary<string, string> { ["AM_FENCE_TIMEOUT_MS"] = "3000" });
        await m.StartAsync();
        await QemuVms.CreateAsync(m.Client, "node1", 100, 512, start: true, ("scsi0", "shared:1"));
        var leases = FenceSampler.Leases(m);
        await PveClient.Eventually(() => Task.FromResult(m.ReadLog().Contains("Fencing: HA configuration read")),
            TimeSpan.FromSeconds(30), "the keeper read the HA configuration");
        await Task.Delay(TimeSpan.FromSeconds(2)); // two pet cycles
        Assert.Null(FenceSampler.WatchdogPid(m, "node1"));
        Assert.False((await leases.ReadAsync("node1")).Held, "a node without HA VMs holds a lease");

        var sw = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await m.Client.Post("/cluster/ha/resources", ("sid", "vm:100"))).Status);
        await FenceSampler.WaitHeldAsync(leases, "node1", TimeSpan.FromSeconds(5), Arming);
        output.WriteLine($"node1 armed {sw.Elapsed.TotalSeconds:F1} s after the resource was added");
        Assert.NotNull(FenceSampler.WatchdogPid(m, "node1"));
        Assert.Contains("Fencing: arming node1 (it carries HA-managed VMs)", m.ReadLog());
        Assert.Null(FenceSampler.WatchdogPid(m, "node2")); // only nodes with HA VMs start a watchdog
        Assert.False((await leases.ReadAsync("node2")).Held);

        // A clean stop gives the armed node the restart grace; the next incarnation keeps it armed with the same watchdog.
        var pid = FenceSampler.WatchdogPid(m, "node1");
        await m.StopGracefullyAsync();
        var grace = await leases.ReadAsync("node1");
        Assert.Equal(T.LeaseFor(T.RestartGrace), grace.ExpiresAt - grace.RenewedAt);
        Assert.Contains("Fencing: clean stop; the watchdogs of node1 fire in", m.ReadLog());
        await m.StartAsync();
        await FenceSampler.WaitHeldAsync(leases, "node1", TimeSpan.FromSeconds(5));
        // The grace lease is still held: the new incarnation's own arming is its log line (it may come a moment later).
        await PveClient.Eventually(() => Task.FromResult(m.ReadLog().Contains("Fencing: arming node1")), Arming, "node1 armed again");
        Assert.Equal(pid, FenceSampler.WatchdogPid(m, "node1"));
        Assert.Equal("running", Reality.SimVmState(m.DataDir, "node1", 100));

        sw.Restart();
        Assert.Equal(HttpStatusCode.OK, (await m.Client.Delete("/cluster/ha/resources/vm:100")).Status);
        using var dog = new WatchdogClient("node1", FenceSampler.RunDir(m, "node1"), "sim", Path.Combine(m.DataDir, "logs", "watchdog-node1.log"));
        await PveClient.Eventually(async () => !(await leases.ReadAsync("node1")).Held && dog.Status() is "disarmed fired 0",
            Arming, "lease of node1 released and its watchdog disarmed");
        output.WriteLine($"node1 released and disarmed {sw.Elapsed.TotalSeconds:F1} s after the resource was removed");
        Assert.Contains("disarmed by the member", FenceSampler.WatchdogLog(m, "node1"));
        Assert.Contains("Fencing: released the lease of node1 and disarmed its watchdog", m.ReadLog());

        m.Stop(); // SIGSTOP, longer than the fence timeout plus the margin
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal("running", Reality.SimVmState(m.DataDir, "node1", 100));
        Assert.DoesNotContain("FENCED", FenceSampler.WatchdogLog(m, "node1"));
        Assert.False((await leases.ReadAsync("node1")).Expired);
        m.Continue();
    }
}

using ActorMigration.SystemTests.Qemu;

namespace ActorMigration.SystemTests.Fencing;

/// <summary>The simulated driver's VMs are fenced the same way (fence timeout 3 s here): they end as in a host reset.</summary>
[Collection(Collections.Cluster)]
public sealed class SimulatedFencingTests
{
    [Fact]
    public async Task A_frozen_member_s_simulated_vm_ends_after_the_fence_timeout_and_its_lease_expires_only_after()
    {
        await using var m = new MemberProcess(FenceSampler.Env(timeoutMs: 3000));
        await m.StartAsync();
        await QemuVms.CreateAsync(m.Client, "node1", 100, 512, start: true);
        Assert.Equal("running", Reality.SimVmState(m.DataDir, "node1", 100));
        var leases = FenceSampler.Leases(m);
        await FenceSampler.WaitHeldAsync(leases, "node1", TimeSpan.FromSeconds(5));

        m.Stop();
        var (gone, expired) = await FenceSampler.UntilFencedAsync(leases, "node1",
            () => File.Exists(Path.Combine(FenceSampler.RunDir(m, "node1"), "sim", "vms", "100.json")), TimeSpan.FromSeconds(30));
        FenceSampler.AssertAboutTheFenceTimeout(gone, TimeSpan.FromSeconds(3));
        Assert.True(expired > gone);
        Assert.Contains("simulated VM pid", FenceSampler.WatchdogLog(m, "node1"));
        Assert.NotNull(FenceSampler.WatchdogPid(m, "node2")); // every hosted node has its watchdog
        m.Continue();
    }

    [Fact]
    public async Task Without_a_watchdog_the_member_never_renews_its_nodes_leases()
    {
        var env = FenceSampler.Env(timeoutMs: 3000);
        env["AM_WATCHDOG_DLL"] = "/nonexistent/ActorMigration.Watchdog.dll";
        await using var m = new MemberProcess(env);
        await m.StartAsync();
        await PveClient.Eventually(() => Task.FromResult(m.ReadLog().Contains("Fencing: petting the watchdogs of")),
            TimeSpan.FromSeconds(30), "the member sees its majority");
        await Task.Delay(TimeSpan.FromSeconds(3)); // three pet intervals
        Assert.False((await FenceSampler.Leases(m).ReadAsync("node1")).Held, "a lease was renewed that no watchdog backs");
        Assert.Contains("Fencing: could not start the watchdog of node1", m.ReadLog());
        Assert.Contains("(its lease is not renewed)", m.ReadLog());
    }
}

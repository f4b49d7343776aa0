using ActorMigration.Actors.Fencing;
using ActorMigration.Domain.Ha;
using ActorMigration.SystemTests.Qemu;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Fencing;

/// <summary>
/// A real member on the real QEMU driver with fencing on (standard timings: fence after 8 s, lease 10 s). Its node's
/// watchdog kills the node's QEMU when the member stops petting: frozen, killed, or cleanly stopped and not back in time.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuFencingTests(ITestOutputHelper output)
{
    private static readonly FenceTimings T = FenceTimings.Standard;

    [Fact]
    public async Task A_frozen_member_s_qemu_is_killed_after_the_fence_timeout_and_its_lease_expires_only_after()
    {
        const int vmid = 1301;
        await using var m = await QemuEnv.CreateMemberAsync(FenceSampler.Env());
        var (pid, leases) = await StartFencedGuestAsync(m, vmid);

        m.Stop(); // SIGSTOP
        var (gone, expired) = await FenceSampler.UntilFencedAsync(leases, "node1", () => Reality.IsAlive(pid), TimeSpan.FromSeconds(40));
        output.WriteLine($"QEMU gone {gone.TotalSeconds:F1} s after SIGSTOP, lease expired at {expired.TotalSeconds:F1} s");
        FenceSampler.AssertAboutTheFenceTimeout(gone, T.FenceTimeout);
        Assert.True(expired > gone);
        Assert.Contains($"qemu pid {pid} (VM {vmid})", FenceSampler.WatchdogLog(m, "node1"));
        m.Continue();
    }

    [Fact]
    public async Task A_cleanly_stopped_member_restarted_within_the_grace_keeps_its_vm_and_after_kill_9_the_watchdog_kills_it()
    {
        const int vmid = 1302;
        await using var m = await QemuEnv.CreateMemberAsync(FenceSampler.Env());
        var (pid, leases) = await StartFencedGuestAsync(m, vmid);
        var dog = FenceSampler.WatchdogPid(m, "node1");
        Assert.NotNull(dog);

        await m.StopGracefullyAsync(); // SIGTERM: the last pet and lease last the restart grace
        var grace = await leases.ReadAsync("node1");
        Assert.Equal(T.LeaseFor(T.RestartGrace), grace.ExpiresAt - grace.RenewedAt);
        Assert.Contains("Fencing: clean stop", m.ReadLog());
        await m.StartAsync();
        Assert.Equal(dog, FenceSampler.WatchdogPid(m, "node1")); // the new incarnation found the running watchdog
        await FenceSampler.WaitHeldAsync(leases, "node1", T.LeaseTtl);
        Assert.Contains($"watchdog of node1 runs as pid {dog}", m.ReadLog());
        await Task.Delay(T.FenceTimeout + T.FenceMargin); // the new incarnation pets: nothing is fenced
        Assert.True(Reality.IsAlive(pid), "the VM died although the member came back within the grace");
        Assert.DoesNotContain("FENCED", FenceSampler.WatchdogLog(m, "node1"));

        m.Kill9();
        Assert.Equal(dog, FenceSampler.WatchdogPid(m, "node1")); // it outlives the member
        var (gone, expired) = await FenceSampler.UntilFencedAsync(leases, "node1", () => Reality.IsAlive(pid), TimeSpan.FromSeconds(40));
        output.WriteLine($"QEMU gone {gone.TotalSeconds:F1} s after kill -9, lease expired at {expired.TotalSeconds:F1} s");
        FenceSampler.AssertAboutTheFenceTimeout(gone, T.FenceTimeout);
        Assert.Contains($"qemu pid {pid} (VM {vmid})", FenceSampler.WatchdogLog(m, "node1"));
    }

    /// <summary>Starts the member and a guest on node1; returns once the member keeps node1's lease.</summary>
    private static async Task<(int Pid, NodeLeases Leases)> StartFencedGuestAsync(MemberProcess m, int vmid)
    {
        await m.StartAsync();
        var pid = await QemuVms.StartGuestAsync(m, "node1", vmid, 256);
        var leases = FenceSampler.Leases(m);
        await FenceSampler.WaitHeldAsync(leases, "node1", T.LeaseTtl);
        return (pid, leases);
    }
}

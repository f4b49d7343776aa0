using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Simulated;

/// <summary>The simulator waits at its hold points only: a short cancellation shows where it waits.</summary>
public sealed class HoldPointTests : IDisposable
{
    private readonly SimEnv _env = new(new SimulationOptions
    {
        LinkBandwidthBytesPerSec = 100 * MiB,
        ConntrackEntriesPerVm = 2,
        Holds = new() { [HoldPoint.Switchover] = 60_000, [HoldPoint.Conntrack] = 60_000, [HoldPoint.Cleanup] = 60_000 },
    });

    public void Dispose() => _env.Dispose();

    private static CancellationToken Soon() => new CancellationTokenSource(TimeSpan.FromMilliseconds(200)).Token;

    [Fact]
    public async Task The_migrated_pair_waits_at_switchover_and_cleanup_everything_else_answers()
    {
        var target = _env.Node("pve2").Hypervisor;
        var source = _env.Node("pve1").Hypervisor;
        var incoming = await target.StartAsync(Spec(100, tag: "t", incoming: new IncomingSpec("127.0.0.1", [])));
        await source.StartAsync(Spec(100));
        Assert.Equal(VmRunState.InMigrate, (await target.GetAsync(100, Soon())).State); // not complete yet: no wait
        await source.StopAsync(100, Soon()); // a running VM stops at once
        await source.StartAsync(Spec(100));

        await source.StartMigrationAsync(100, new MigrationStartSpec(incoming.IncomingUri!, null));
        _env.Clock.AdvanceSeconds(100);
        Assert.Equal(MigrationState.Completed, (await source.QueryMigrationAsync(100)).Status);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => target.GetAsync(100, Soon()));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.StopAsync(100, Soon()));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _env.Node("pve1").Conntrack.DumpAsync(100, Soon()));
        Assert.Equal(VmRunState.PostMigrate, (await source.GetAsync(100, Soon())).State);
    }

    [Fact]
    public async Task A_start_waits_at_start_before_the_vm_runs_an_incoming_start_does_not()
    {
        using var env = new SimEnv(new SimulationOptions { Holds = new() { [HoldPoint.Start] = 60_000 } });
        var node = env.Node("pve1").Hypervisor;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => node.StartAsync(Spec(100), Soon()));
        Assert.Equal(VmRunState.Stopped, (await node.GetAsync(100)).State); // it never ran

        var incoming = await node.StartAsync(Spec(101, tag: "t", incoming: new IncomingSpec("127.0.0.1", [])), Soon());
        Assert.Equal(VmRunState.InMigrate, incoming.State);

        using var shortHold = new SimEnv(new SimulationOptions { Holds = new() { [HoldPoint.Start] = 300 } });
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(VmRunState.Running, (await shortHold.Node("pve1").Hypervisor.StartAsync(Spec(100))).State);
        Assert.True(started.ElapsedMilliseconds >= 290, $"started after {started.ElapsedMilliseconds} ms");
    }
}

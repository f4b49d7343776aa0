using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Simulated;

/// <summary>Measured usage of simulated VMs: <c>-sim-cpu-load</c>/<c>-sim-mem-used</c>, defaults, pause, incoming copies, noise.</summary>
public sealed class UsageTests : IDisposable
{
    private readonly SimEnv _env = new(new SimulationOptions { ConntrackEntriesPerVm = 0 });

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task Running_vms_report_their_args_and_defaults_paused_and_incoming_and_stopped_ones_do_not_count_cpu()
    {
        var hv = _env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, memoryMiB: 2048, args: "-sim-cpu-load 1.5 -sim-mem-used 512M"));
        await hv.StartAsync(Spec(101, memoryMiB: 1024));
        await hv.StartAsync(Spec(102, memoryMiB: 1024, args: "-sim-cpu-load 0.5 -sim-mem-used 4G"));
        await hv.StartAsync(Spec(103, incoming: new IncomingSpec("127.0.0.1", [])));
        await hv.StartAsync(Spec(104, args: "-sim-cpu-load 2"));
        await hv.StopAsync(104);

        var usage = await hv.UsageAsync();
        Assert.Equal([100, 101, 102], usage.Select(u => u.VmId));
        Assert.Equal((1.5, 512 * MiB), (usage[0].CpuCores!.Value, usage[0].MemUsedBytes));
        Assert.Equal((0.0, 1024 * MiB), (usage[1].CpuCores!.Value, usage[1].MemUsedBytes));
        Assert.Equal(1024 * MiB, usage[2].MemUsedBytes); // never more than the VM's memory

        await hv.PauseAsync(100);
        var paused = Assert.Single(await hv.UsageAsync(), u => u.VmId == 100);
        Assert.Equal((0.0, 512 * MiB), (paused.CpuCores!.Value, paused.MemUsedBytes));
    }

    [Fact]
    public async Task A_bad_load_argument_fails_the_start_like_a_bad_qemu_argument()
    {
        var hv = _env.Node().Hypervisor;
        var e = await Assert.ThrowsAsync<FormatException>(() => hv.StartAsync(Spec(100, args: "-sim-cpu-load lots")));
        Assert.Equal("-sim-cpu-load: invalid number of cores 'lots'", e.Message);
        await Assert.ThrowsAsync<FormatException>(() => hv.StartAsync(Spec(100, args: "-sim-mem-used 12X")));
    }

    [Fact]
    public async Task Noise_is_relative_bounded_the_same_within_a_bucket_and_for_every_driver_and_changes_between_buckets()
    {
        var options = new SimulationOptions { ConntrackEntriesPerVm = 0, LoadNoise = 0.2, LoadNoiseBucketSeconds = 10 };
        using var env = new SimEnv(options);
        var hv = env.Node().Hypervisor;
        for (var id = 100; id < 120; id++) await hv.StartAsync(Spec(id, memoryMiB: 4096, args: "-sim-cpu-load 1 -sim-mem-used 1G"));
        env.Clock.AdvanceSeconds(10 - env.Clock.GetUtcNow().ToUnixTimeSeconds() % 10); // start of a bucket
        var first = await hv.UsageAsync();
        env.Clock.AdvanceSeconds(5);
        Assert.Equal(first, await env.Factory.Create(env.Settings("pve1")).Hypervisor.UsageAsync());
        Assert.All(first, u => Assert.InRange(u.CpuCores!.Value, 0.8, 1.2));
        Assert.All(first, u => Assert.InRange(u.MemUsedBytes, (long)(0.8 * GiB), (long)(1.2 * GiB)));
        Assert.True(first.Select(u => u.CpuCores).Distinct().Count() > 10, "noise differs per VM");

        env.Clock.AdvanceSeconds(10);
        var next = await hv.UsageAsync();
        Assert.True(first.Zip(next).Count(p => p.First.CpuCores != p.Second.CpuCores) > 10, "noise changes with the bucket");
    }

    [Fact]
    public void Load_noise_comes_from_the_options_and_is_validated()
    {
        var o = SimulationOptionsParser.FromDictionary([new("load-noise", "0.2"), new("load-noise-bucket", "30")]);
        Assert.Equal((0.2, 30.0), (o.LoadNoise, o.LoadNoiseBucketSeconds));
        Assert.Throws<ArgumentException>(() => SimulationOptionsParser.FromDictionary([new("load-noise", "1.5")]));
    }
}

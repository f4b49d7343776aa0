using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>The measured use the rebalancer asks for (GetNodeUsage → UsageAsync), sampled from a real QEMU.</summary>
public sealed class UsageTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    /// <summary>QEMU's own memory beside the guest's RAM (binary, libraries, TCG translation cache).</summary>
    private const long QemuOverhead = 256 * MiB;

    [Fact]
    public async Task A_running_guest_uses_some_cpu_and_memory_within_its_size_and_a_stopped_one_reports_none()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var n1 = env.AddNode("node1");
        var spec = Specs.Guest(160, "usage");
        await n1.Hypervisor.StartAsync(spec);
        await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, 160, 2);

        var first = Assert.Single(await n1.Hypervisor.UsageAsync());
        Assert.Equal(160, first.VmId);
        Assert.Null(first.CpuCores); // no earlier sample to take a delta from
        await Task.Delay(TimeSpan.FromSeconds(2)); // the guest prints a heartbeat every second
        var second = Assert.Single(await n1.Hypervisor.UsageAsync());
        output.WriteLine($"first {first}, second {second}");

        var vcpus = spec.Cores * spec.Sockets;
        Assert.InRange(second.CpuCores!.Value, 0.001, vcpus);
        Assert.InRange(second.MemUsedBytes, 16 * MiB, spec.MemoryMiB * MiB + QemuOverhead);

        await n1.Hypervisor.StopAsync(160);
        Assert.Empty(await n1.Hypervisor.UsageAsync());
    }
}

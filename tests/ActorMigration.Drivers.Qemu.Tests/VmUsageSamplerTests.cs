using ActorMigration.Drivers.Qemu.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>The /proc parsing of the QEMU usage sampler, on this test process (no QEMU needed).</summary>
public sealed class VmUsageSamplerTests
{
    [Fact]
    public void Parses_stat_after_the_last_parenthesis_and_statm_resident_pages()
    {
        const string stat = "4242 (qemu (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 750 250 0 0 20 0 3 0 12345 0 0";
        Assert.Equal(1000, VmUsageSampler.ParseCpuTicks(stat));
        Assert.Equal(2560, VmUsageSampler.ParseRssPages("10000 2560 300 10 0 900 0\n"));
        Assert.Null(VmUsageSampler.ParseCpuTicks("garbage"));
        Assert.Null(VmUsageSampler.ParseRssPages(""));
    }

    [Fact]
    public void Samples_this_process_cpu_only_from_the_second_sample_and_its_resident_memory()
    {
        var pid = Environment.ProcessId;
        var rss = Environment.WorkingSet;
        var sampler = new VmUsageSampler();
        var first = Assert.Single(sampler.Sample([(100, pid)]));
        Assert.Null(first.CpuCores);
        Assert.InRange(first.MemUsedBytes, rss / 2, rss * 2);

        var until = DateTime.UtcNow.AddMilliseconds(300);
        var spin = 0L;
        while (DateTime.UtcNow < until) spin++; // one core busy for 0.3 s
        var second = Assert.Single(sampler.Sample([(100, pid), (101, int.MaxValue)]));
        Assert.True(spin > 0);
        Assert.InRange(second.CpuCores!.Value, 0.1, 1.5 * Environment.ProcessorCount); // ~1 core, less on a busy machine

        Assert.Empty(sampler.Sample([(101, int.MaxValue)])); // a gone process reports nothing
        Assert.Null(Assert.Single(sampler.Sample([(100, pid)])).CpuCores); // forgotten: starts again
    }
}

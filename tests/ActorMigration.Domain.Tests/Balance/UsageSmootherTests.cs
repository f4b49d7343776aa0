using System.Collections.Immutable;
using ActorMigration.Domain.Balance;

namespace ActorMigration.Domain.Tests.Balance;

public sealed class UsageSmootherTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HalfLife = TimeSpan.FromSeconds(120);

    [Fact]
    public void One_half_life_later_a_sample_moves_the_average_half_way()
    {
        var s = UsageSmoother.Add(null, new VmUsage(100, 1.0, 1000), T0, HalfLife);
        Assert.Equal((1000.0, 1.0, 1), (s.Mem, s.Cpu!.Value, s.Samples));
        s = UsageSmoother.Add(s, new VmUsage(100, 3.0, 3000), T0.AddSeconds(120), HalfLife);
        Assert.Equal(2000, s.Mem, 6);
        Assert.Equal(2.0, s.Cpu!.Value, 6);
        Assert.Equal(0.25, UsageSmoother.Alpha(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60) * 2.409420839653209), 3);
        Assert.Equal(0, UsageSmoother.Alpha(TimeSpan.Zero, HalfLife));
    }

    [Fact]
    public void Warm_after_three_samples_of_each_dimension_cpu_counting_only_from_its_first_value()
    {
        SmoothedUsage? s = null;
        var demand = new VmDemand(100, "node1", true, 4L << 30, 4, null, null);
        s = UsageSmoother.Add(s, new VmUsage(100, null, 1 << 30), T0, HalfLife); // QEMU: no CPU delta yet
        for (var i = 1; i <= 2; i++) s = UsageSmoother.Add(s, new VmUsage(100, 0.5, 1 << 30), T0.AddSeconds(10 * i), HalfLife);
        Assert.Equal((3, 2, false), (s.Samples, s.CpuSamples, s.Warm));
        Assert.Same(demand, UsageSmoother.WithUsage(demand, s)); // not warm: configured values count
        s = UsageSmoother.Add(s, new VmUsage(100, 0.5, 1 << 30), T0.AddSeconds(30), HalfLife);
        Assert.True(s.Warm);
        var d = UsageSmoother.WithUsage(demand, s);
        Assert.Equal((1L << 30, 0.5), (d.MemUsed!.Value, d.CpuCores!.Value));
    }

    [Fact]
    public void A_round_updates_the_sampled_vms_keeps_the_others_and_keep_drops_stopped_ones()
    {
        var state = ImmutableSortedDictionary<int, SmoothedUsage>.Empty;
        state = UsageSmoother.Add(state, [new VmUsage(100, 1, 10), new VmUsage(101, 2, 20)], T0, HalfLife);
        state = UsageSmoother.Add(state, [new VmUsage(100, 1, 10)], T0.AddSeconds(10), HalfLife);
        Assert.Equal((2, 1), (state[100].Samples, state[101].Samples));
        state = UsageSmoother.Keep(state, new HashSet<int> { 100 });
        Assert.Equal([100], state.Keys);
    }
}

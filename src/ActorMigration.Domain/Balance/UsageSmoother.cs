using System.Collections.Immutable;

namespace ActorMigration.Domain.Balance;

/// <summary>A VM's smoothed usage: EWMA of memory and CPU, sample counts, time of the last sample.</summary>
public sealed record SmoothedUsage(double Mem, double? Cpu, int Samples, int CpuSamples, DateTimeOffset At)
{
    /// <summary>Enough samples of both dimensions to be trusted by the planner (<see cref="UsageSmoother.WarmAfter"/>).</summary>
    public bool Warm => Samples >= UsageSmoother.WarmAfter && CpuSamples >= UsageSmoother.WarmAfter;
}

/// <summary>
/// The one home of usage smoothing (design15 §1.4): per VM <c>x += α(sample − x)</c> with <c>α = 1 − 2^(−Δt / halfLife)</c>,
/// the first sample taken as is; warm after <see cref="WarmAfter"/> samples. Pure: state in, state out.
/// </summary>
public static class UsageSmoother
{
    public const int WarmAfter = 3;

    /// <summary>The weight of a new sample taken <paramref name="elapsed"/> after the previous one.</summary>
    public static double Alpha(TimeSpan elapsed, TimeSpan halfLife)
    {
        if (elapsed <= TimeSpan.Zero) return 0;
        if (halfLife <= TimeSpan.Zero) return 1;
        return 1 - Math.Pow(2, -elapsed.TotalSeconds / halfLife.TotalSeconds);
    }

    public static SmoothedUsage Add(SmoothedUsage? s, VmUsage sample, DateTimeOffset at, TimeSpan halfLife)
    {
        if (s is null) return new SmoothedUsage(sample.MemUsedBytes, sample.CpuCores, 1, sample.CpuCores is null ? 0 : 1, at);
        var a = Alpha(at - s.At, halfLife);
        var mem = s.Mem + a * (sample.MemUsedBytes - s.Mem);
        var (cpu, cpuSamples) = (s.Cpu, sample.CpuCores) switch
        {
            (_, null) => (s.Cpu, s.CpuSamples),
            (null, { } c) => (c, s.CpuSamples + 1),
            ({ } x, { } c) => (x + a * (c - x), s.CpuSamples + 1),
        };
        return new SmoothedUsage(mem, cpu, s.Samples + 1, cpuSamples, at > s.At ? at : s.At);
    }

    /// <summary>Adds one round of samples; VMs not in <paramref name="samples"/> keep their state.</summary>
    public static ImmutableSortedDictionary<int, SmoothedUsage> Add(
        ImmutableSortedDictionary<int, SmoothedUsage> state, IEnumerable<VmUsage> samples, DateTimeOffset at, TimeSpan halfLife)
    {
        var b = state.ToBuilder();
        foreach (var u in samples) b[u.VmId] = Add(b.GetValueOrDefault(u.VmId), u, at, halfLife);
        return b.ToImmutable();
    }

    /// <summary>Drops the VMs not running any more (not in <paramref name="running"/>).</summary>
    public static ImmutableSortedDictionary<int, SmoothedUsage> Keep(ImmutableSortedDictionary<int, SmoothedUsage> state, IReadOnlySet<int> running) =>
        state.RemoveRange(state.Keys.Where(k => !running.Contains(k)).ToList());

    /// <summary>The demand with its smoothed use when warm; configured values (<see cref="VmDemand.Mem"/>/<see cref="VmDemand.Cpu"/>) otherwise.</summary>
    public static VmDemand WithUsage(VmDemand vm, SmoothedUsage? s) =>
        s is { Warm: true, Cpu: { } cpu } ? vm with { MemUsed = (long)Math.Round(s.Mem), CpuCores = cpu } : vm;
}

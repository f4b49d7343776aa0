using System.Collections.Immutable;
using System.Diagnostics;
using ActorMigration.Domain.Balance;

namespace ActorMigration.Bench.Balance;

/// <summary>
/// <c>balance-sim</c> (design15 §7.1): the rebalancer's planner on a simulated cluster, no actors. A skewed cluster is
/// balanced by one plan; then rounds every <c>interval</c> under ±noise load (samples every <c>sample-interval</c>,
/// smoothed by <see cref="UsageSmoother"/>); then planning time at scale. The naive baseline runs the same scenario.
/// </summary>
public static class BalanceSimBench
{
    private const long GiB = 1024L * 1024 * 1024;
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    public sealed record Side(double ScoreBefore, double ScoreAfter, int Moves, int LowerBound, List<int> NoiseMoves, int MovedTwiceInCooldown);

    public sealed record Result(int Nodes, int Vms, Side Ours, Side Naive, int ScaleNodes, int ScaleVms, double PlanMs, double NaiveMs, int ScaleMoves);

    /// <summary>Nodes of 1.5 TiB / 512 cores; VMs 1–16 GiB (in use 50–100 %), 0.1–4 cores; placement 45/25/15/10/5 % on 5 nodes.</summary>
    public static (List<NodeCapacity> Nodes, List<VmDemand> Vms) Skewed(int nodes, int vms, int seed)
    {
        var rnd = new Random(seed);
        var list = Enumerable.Range(1, nodes).Select(i => new NodeCapacity($"node{i}", true, false, 1536 * GiB, 512, "9.0.3", "GenuineIntel")).ToList();
        double[] share = nodes == 5 ? [0.45, 0.25, 0.15, 0.10, 0.05] : [.. Enumerable.Range(1, nodes).Select(i => 1.0 / i)];
        var cumulative = share.Select((s, i) => share.Take(i + 1).Sum() / share.Sum()).ToArray();
        var result = new List<VmDemand>();
        for (var i = 0; i < vms; i++)
        {
            var node = Array.FindIndex(cumulative, c => (i + 0.5) / vms <= c);
            var config = rnd.Next(1, 17);
            var cpu = 0.1 + rnd.NextDouble() * 3.9;
            var used = (long)(config * GiB * (0.5 + rnd.NextDouble() / 2));
            result.Add(new VmDemand(1000 + i, list[node].Node, true, config * GiB, (int)Math.Ceiling(cpu), used, cpu));
        }
        return (list, result);
    }

    public static Result Run(int nodes = 5, int vms = 300, int rounds = 20, double noise = 0.2, int scaleNodes = 50, int scaleVms = 10_000, int seed = 42)
    {
        var opt = RebalanceOptions.Default;
        var (n, v) = Skewed(nodes, vms, seed);
        var ours = Scenario(n, v, opt, rounds, noise, seed, naive: false);
        var naive = Scenario(n, v, opt, rounds, noise, seed, naive: true);
        var (sn, sv) = Skewed(scaleNodes, scaleVms, seed);
        var obs = Observation(sn, sv, ImmutableDictionary<int, DateTimeOffset>.Empty);
        var times = new List<double>();
        var naiveTimes = new List<double>();
        var scaleMoves = 0;
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            scaleMoves = RebalancePlanner.Plan(obs, opt, T0).Moves.Count;
            times.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            NaivePlanner.Plan(sn, sv, opt, opt.MaxMoves);
            naiveTimes.Add(sw.Elapsed.TotalMilliseconds);
        }
        return new Result(nodes, vms, ours, naive, scaleNodes, scaleVms, BenchStats.Median(times), BenchStats.Median(naiveTimes), scaleMoves);
    }

    private static BalanceObservation Observation(List<NodeCapacity> n, IReadOnlyList<VmDemand> v, IReadOnlyDictionary<int, DateTimeOffset> lastMoved) =>
        new(n, v, new Dictionary<int, MoveBlock>(), new Dictionary<int, Domain.Ha.HaGroup>(), [], lastMoved);

    // Balance once (max-moves high enough to reach the target), then `rounds` noisy rounds at the default options.
    private static Side Scenario(List<NodeCapacity> n, List<VmDemand> v, RebalanceOptions opt, int rounds, double noise, int seed, bool naive)
    {
        var board = new ScoreBoard(n, v, opt.MemWeight, opt.CpuWeight);
        var before = board.Score;
        var bound = MoveLowerBound.Of(n, v, opt.Target, opt.MemWeight, opt.CpuWeight);
        var place = v.ToDictionary(x => x.VmId, x => x.Node);
        var lastMoved = new Dictionary<int, DateTimeOffset>();
        var first = Moves(n, v, opt with { MaxMoves = 1000 }, lastMoved, T0, naive);
        Apply(first, place, lastMoved, T0);
        var after = new ScoreBoard(n, v.Select(x => x with { Node = place[x.VmId] }), opt.MemWeight, opt.CpuWeight).Score;

        var rnd = new Random(seed + 1);
        var smoothed = ImmutableSortedDictionary<int, SmoothedUsage>.Empty;
        var perRound = new List<int>();
        var twice = 0;
        var samples = opt.Interval / opt.SampleInterval;
        for (var r = 1; r <= rounds; r++)
        {
            var at = T0.AddSeconds(r * opt.Interval);
            List<VmDemand> current = [];
            for (var s = samples - 1; s >= 0; s--)
            {
                var sampleAt = at.AddSeconds(-s * opt.SampleInterval);
                current = v.Select(x => x with
                {
                    Node = place[x.VmId],
                    MemUsed = (long)(x.Mem * (1 + noise * (2 * rnd.NextDouble() - 1))),
                    CpuCores = x.Cpu * (1 + noise * (2 * rnd.NextDouble() - 1)),
                }).ToList();
                smoothed = UsageSmoother.Add(smoothed, current.Select(x => new VmUsage(x.VmId, x.CpuCores, x.MemUsed!.Value)), sampleAt,
                    TimeSpan.FromSeconds(opt.Smoothing));
            }
            // Ours plans on smoothed usage; the naive planner on the last raw sample.
            var seen = naive ? current : current.Select(x => UsageSmoother.WithUsage(x, smoothed[x.VmId])).ToList();
            var moves = Moves(n, seen, opt, lastMoved, at, naive);
            twice += moves.Count(m => lastMoved.TryGetValue(m.VmId, out var t) && at - t < opt.CooldownSpan);
            Apply(moves, place, lastMoved, at);
            perRound.Add(moves.Count);
        }
        return new Side(before, after, first.Count, bound, perRound, twice);
    }

    private static List<(int VmId, string From, string To)> Moves(List<NodeCapacity> n, IReadOnlyList<VmDemand> v, RebalanceOptions opt,
        Dictionary<int, DateTimeOffset> lastMoved, DateTimeOffset at, bool naive) =>
        naive
            ? NaivePlanner.Plan(n, v, opt, opt.MaxMoves)
            : RebalancePlanner.Plan(Observation(n, v, lastMoved), opt, at).Moves.Select(m => (m.VmId, m.From, m.To)).ToList();

    private static void Apply(List<(int VmId, string From, string To)> moves, Dictionary<int, string> place, Dictionary<int, DateTimeOffset> lastMoved,
        DateTimeOffset at)
    {
        foreach (var (vmid, _, to) in moves)
        {
            place[vmid] = to;
            lastMoved[vmid] = at;
        }
    }
}

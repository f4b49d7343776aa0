using System.Diagnostics;
using ActorMigration.Domain.Balance;
using Xunit.Abstractions;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>Rounds of sample → plan → apply under noisy load, and the planner on larger clusters.</summary>
public class NoPingPongTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);

    /// <summary>VMs with a true load; each sample is the true load ±20 % (seeded).</summary>
    private static List<VmDemand> Noisy(IReadOnlyList<VmDemand> truth, Random rnd) =>
        truth.Select(v => v with
        {
            MemUsed = (long)(v.MemUsed!.Value * (0.8 + 0.4 * rnd.NextDouble())),
            CpuCores = v.CpuCores!.Value * (0.8 + 0.4 * rnd.NextDouble()),
        }).ToList();

    private static (List<NodeCapacity> Nodes, List<VmDemand> Vms) Cluster(int nodes, int vms, int seed, long memGiB, int cpus, double skew = 1)
    {
        var rnd = new Random(seed);
        var ns = Enumerable.Range(1, nodes).Select(i => Node($"node{i}", memGiB, cpus)).ToList();
        // Skewed: node i gets a share proportional to 1/i^skew (node1 most).
        var weights = Enumerable.Range(1, nodes).Select(i => 1.0 / Math.Pow(i, skew)).ToArray();
        var total = weights.Sum();
        var list = new List<VmDemand>();
        for (var k = 0; k < vms; k++)
        {
            var x = rnd.NextDouble() * total;
            var n = 0;
            while (n < nodes - 1 && (x -= weights[n]) > 0) n++;
            var mem = 1 + rnd.Next(16);
            list.Add(Vm(1000 + k, ns[n].Node, mem * (0.3 + 0.7 * rnd.NextDouble()), 0.1 + 3.9 * rnd.NextDouble(), configGiB: mem, vcpus: 4));
        }
        return (ns, list);
    }

    /// <summary>Ten rounds; returns the moves of each round.</summary>
    private static List<List<PlannedMove>> Rounds(List<NodeCapacity> nodes, List<VmDemand> truth, RebalanceOptions opt, int rounds = 10)
    {
        var rnd = new Random(42);
        var lastMoved = new Dictionary<int, DateTimeOffset>();
        var result = new List<List<PlannedMove>>();
        for (var r = 0; r < rounds; r++)
        {
            var at = At + r * Interval;
            var plan = RebalancePlanner.Plan(Obs(nodes, Noisy(truth, rnd), lastMoved: lastMoved), opt, at);
            foreach (var m in plan.Moves)
            {
                Assert.True(Cooldown.Allows(m.VmId, lastMoved, at, opt.CooldownSpan), $"VM {m.VmId} moved again within its cooldown");
                lastMoved[m.VmId] = at;
            }
            truth = Apply(truth, plan);
            result.Add(plan.Moves.ToList());
        }
        return result;
    }

    [Fact]
    public void Noisy_load_over_ten_rounds_moves_no_vm_back_and_settles()
    {
        var (nodes, truth) = Cluster(5, 60, 1, 128, 32);
        var rounds = Rounds(nodes, truth, RebalanceOptions.Default);
        output.WriteLine("moves per round: " + string.Join(",", rounds.Select(r => r.Count)));
        Assert.NotEmpty(rounds[0]);
        var all = rounds.SelectMany(r => r).ToList();
        Assert.All(all.GroupBy(m => m.VmId), g => Assert.Single(g));
        Assert.All(rounds.Skip(3), r => Assert.Empty(r));

        // Without hysteresis, min-gain and cooldown the same noise keeps moving VMs: the checks above can fail.
        var naive = Rounds(nodes, truth, RebalanceOptions.Default with { Threshold = 0.0001, Target = 0, MinGain = 0, Cooldown = 0 });
        output.WriteLine("naive moves per round: " + string.Join(",", naive.Select(r => r.Count)));
        Assert.True(naive.Skip(3).Sum(r => r.Count) > 0);
        Assert.Contains(naive.SelectMany(r => r).GroupBy(m => m.VmId), g => g.Count() > 1);
    }

    [Fact]
    public void A_skewed_five_node_three_hundred_vm_placement_improves()
    {
        var (nodes, vms) = Cluster(5, 300, 2, 1536, 256);
        var opt = RebalanceOptions.Default;
        var before = new ScoreBoard(nodes, vms, 0.5, 0.5).Score;
        var total = 0;
        for (var r = 0; r < 30; r++)
        {
            var plan = RebalancePlanner.Plan(Obs(nodes, vms), opt, At + r * Interval);
            if (plan.Moves.Count == 0) break;
            total += plan.Moves.Count;
            Assert.True(plan.ScoreAfter < plan.ScoreBefore);
            vms = Apply(vms, plan);
        }
        var after = new ScoreBoard(nodes, vms, 0.5, 0.5).Score;
        output.WriteLine($"score {before:0.000} -> {after:0.000} with {total} moves");
        Assert.True(before > opt.Threshold);
        Assert.True(after <= opt.Threshold, $"score after {after}");
    }

    [Fact]
    public void Planning_ten_thousand_vms_on_fifty_nodes_is_computed()
    {
        var (nodes, vms) = Cluster(50, 10_000, 3, 2048, 512, skew: 0.5);
        var obs = Obs(nodes, vms);
        RebalancePlanner.Plan(obs, RebalanceOptions.Default, At);
        var times = new List<double>();
        RebalancePlan? plan = null;
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            plan = RebalancePlanner.Plan(obs, RebalanceOptions.Default, At);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        output.WriteLine($"10,000 VMs / 50 nodes: {plan!.Moves.Count} moves, score {plan.ScoreBefore:0.000} -> {plan.ScoreAfter:0.000}, "
            + $"plan times ms: {string.Join(", ", times.Select(t => t.ToString("0")))}");
        Assert.Equal(RebalanceOptions.Default.MaxMoves, plan.Moves.Count);
        Assert.True(plan.ScoreAfter < plan.ScoreBefore);
    }
}

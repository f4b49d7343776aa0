namespace ActorMigration.Domain.Balance;

/// <summary>
/// A lower bound on the migrations any plan needs to bring the score to <c>target</c> (design15 §7): with weights
/// normalised (<c>w_mem + w_cpu = 1</c>), <c>S ≤ target</c> implies <c>σ_d ≤ target / w_d</c> in each dimension d, and a
/// population σ bounds every node's deviation: <c>|u_n − ū| ≤ σ·√N</c>. So a node above <c>ū_d + (target / w_d)·√N</c> must
/// lose at least the excess, and the fewest VMs that carry it are its largest ones in that dimension. The bound is the sum
/// over nodes of the larger count of the two dimensions. ū is the mean utilisation, unchanged by moves when the eligible
/// nodes have equal capacities (as in the benchmark); VMs are counted singly, running ones only.
/// </summary>
public static class MoveLowerBound
{
    public static int Of(IReadOnlyList<NodeCapacity> nodes, IReadOnlyList<VmDemand> vms, double target, double memWeight, double cpuWeight)
    {
        var eligible = nodes.Where(n => n.Eligible).ToList();
        if (eligible.Count == 0) return 0;
        var (wm, wc) = ImbalanceScore.Normalize(memWeight, cpuWeight);
        var byNode = vms.Where(v => v.Running).GroupBy(v => v.Node).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        List<VmDemand> On(string node) => byNode.GetValueOrDefault(node) ?? [];
        var memU = eligible.Select(n => On(n.Node).Sum(v => v.Mem) / n.MaxMem).ToList();
        var cpuU = eligible.Select(n => On(n.Node).Sum(v => v.Cpu) / n.MaxCpu).ToList();
        var sqrtN = Math.Sqrt(eligible.Count);
        var memLimit = wm > 0 ? memU.Average() + target / wm * sqrtN : double.PositiveInfinity;
        var cpuLimit = wc > 0 ? cpuU.Average() + target / wc * sqrtN : double.PositiveInfinity;
        var total = 0;
        for (var i = 0; i < eligible.Count; i++)
        {
            var n = eligible[i];
            var mem = Fewest(On(n.Node).Select(v => v.Mem), (memU[i] - memLimit) * n.MaxMem);
            var cpu = Fewest(On(n.Node).Select(v => v.Cpu), (cpuU[i] - cpuLimit) * n.MaxCpu);
            total += Math.Max(mem, cpu);
        }
        return total;
    }

    /// <summary>The fewest of <paramref name="sizes"/> (largest first) whose sum reaches <paramref name="excess"/>.</summary>
    public static int Fewest(IEnumerable<double> sizes, double excess)
    {
        if (excess <= 0) return 0;
        var count = 0;
        foreach (var s in sizes.OrderByDescending(s => s))
        {
            excess -= s;
            count++;
            if (excess <= 0) return count;
        }
        return count;
    }
}

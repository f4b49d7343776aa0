namespace ActorMigration.Domain.Balance;

/// <summary>
/// The cluster's imbalance (design15 §4.1, docs/balancing.md). Over the eligible nodes n (online, not in maintenance):
/// <c>m_n = Σ mem_v / maxmem_n</c>, <c>c_n = Σ cpu_v / maxcpu_n</c> over its running VMs (measured use, else configured),
/// <c>S = w_mem·σ(m) + w_cpu·σ(c)</c> with σ the population standard deviation and the weights scaled to sum 1.
/// 0 = perfectly even; a move's gain is <c>S − S'</c>.
/// </summary>
public static class ImbalanceScore
{
    public static double Of(IReadOnlyList<(double Mem, double Cpu)> utilisation, double memWeight, double cpuWeight)
    {
        var (wm, wc) = Normalize(memWeight, cpuWeight);
        return wm * Sigma(utilisation.Select(u => u.Mem)) + wc * Sigma(utilisation.Select(u => u.Cpu));
    }

    /// <summary>Population standard deviation; 0 for no values.</summary>
    public static double Sigma(IEnumerable<double> values)
    {
        double n = 0, sum = 0, sum2 = 0;
        foreach (var v in values)
        {
            n++;
            sum += v;
            sum2 += v * v;
        }
        return Sigma(n, sum, sum2);
    }

    internal static double Sigma(double n, double sum, double sum2)
    {
        if (n == 0) return 0;
        var mean = sum / n;
        return Math.Sqrt(Math.Max(0, sum2 / n - mean * mean));
    }

    /// <summary>The weights scaled to sum 1 (both 0 is refused by <see cref="RebalanceOptions"/>; it counts as 0.5/0.5).</summary>
    public static (double Mem, double Cpu) Normalize(double memWeight, double cpuWeight)
    {
        var total = memWeight + cpuWeight;
        return total <= 0 ? (0.5, 0.5) : (memWeight / total, cpuWeight / total);
    }
}

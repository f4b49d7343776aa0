using System.Globalization;
using ActorMigration.Domain.Config;

namespace ActorMigration.Bench.Convergence;

/// <summary>The matrix as a Markdown table, the goal check, and the plot.</summary>
public static class ConvergenceReport
{
    private static readonly string[] Baselines = ["plain", "proxmox", "kubevirt"];

    public static void Print(List<ConvergenceRun> runs, string? pngPath)
    {
        var policies = runs.Select(r => r.Policy).Distinct().ToList();
        Console.WriteLine("Cell: downtime / total time / sent, or why it did not converge (aborted at, timeout at). "
            + "Bandwidth 1 Gbit/s, migrate_downtime 100 ms, max-downtime 1000 ms, completion timeout 150 s/GiB, progress timeout 150 s.\n");
        Console.WriteLine("| case (RAM, working set, dirty/bandwidth) | " + string.Join(" | ", policies) + " |");
        Console.WriteLine("|---|" + string.Concat(policies.Select(_ => "---|")));
        foreach (var g in runs.GroupBy(r => r.Case))
            Console.WriteLine($"| {g.Key.Label} | " + string.Join(" | ", policies.Select(p => Cell(g.First(r => r.Policy == p)))) + " |");
        Console.WriteLine();
        foreach (var line in GoalCheck(runs)) Console.WriteLine(line);
        if (pngPath is not null)
        {
            ConvergencePlot.Save(runs, pngPath);
            Console.WriteLine($"\nplot: {pngPath}");
        }
    }

    /// <summary>One case, every policy: each action with its time and reason, then the outcome.</summary>
    public static void Trace(int ramGiB, int workingSetPct, double ratio)
    {
        var ram = ramGiB * ConvergenceBench.GiB;
        var c = new ConvergenceCase(ram, ram * workingSetPct / 100, ratio, ConvergenceBench.Bandwidth);
        foreach (var (name, policy, postCopy) in ConvergenceBench.Policies(withPostcopy: true))
        {
            Console.WriteLine($"{name}:");
            var r = ConvergenceHarness.Run(policy, c, ConvergenceBench.Settings(c, postCopy), name,
                (t, a) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {t,7:0.0} s {a.GetType().Name}: {a.Reason}")));
            Console.WriteLine($"  {r.Outcome}: {Cell(r)}");
        }
    }

    /// <summary>The goal: converge wherever a baseline does; downtime ≤ the best baseline's in ≥ 80 % of those; never above max-downtime.</summary>
    public static IEnumerable<string> GoalCheck(List<ConvergenceRun> runs)
    {
        var cases = runs.GroupBy(r => r.Case).ToList();
        var eligible = cases.Where(g => g.Any(r => Baselines.Contains(r.Policy) && r.Converged)).ToList();
        var missed = eligible.Where(g => !Controller(g).Converged).Select(g => g.Key.Label).ToList();
        var worse = eligible.Where(g => Controller(g).Converged
                                        && Controller(g).DowntimeMs > g.Where(r => Baselines.Contains(r.Policy) && r.Converged).Min(r => r.DowntimeMs) + 0.5)
            .Select(g => g.Key.Label).ToList();
        var better = eligible.Count - missed.Count - worse.Count;
        var maxDowntime = runs.Where(r => r.Policy == "controller").Max(r => r.MaxDowntimeLimitMs);
        var above = runs.Where(r => r.Policy == "controller" && r.Converged && r.DowntimeMs > 1000).Select(r => r.Case.Label).ToList();
        var onlyOurs = cases.Count(g => Controller(g).Converged && !g.Any(r => Baselines.Contains(r.Policy) && r.Converged));
        var share = eligible.Count == 0 ? 1 : (double)better / eligible.Count;
        yield return $"Goal check: {eligible.Count} cases where a baseline converges; the controller converges in {eligible.Count - missed.Count}"
                     + (missed.Count > 0 ? $" (misses: {string.Join(", ", missed)})" : "") + ".";
        var pct = (share * 100).ToString("0", CultureInfo.InvariantCulture);
        yield return $"Downtime at most the best baseline's (within 0.5 ms) in {better} of {eligible.Count} ({pct} %, goal: at least 80 %)"
            + (worse.Count > 0 ? $"; higher in: {string.Join(", ", worse)}" : "") + ".";
        yield return $"Highest downtime limit the controller set: {maxDowntime} ms; converged above max-downtime (1000 ms): {above.Count}"
                     + $"; cases only the controller converges: {onlyOurs}.";
        yield return missed.Count == 0 && share >= 0.8 && above.Count == 0 && maxDowntime <= 1000 ? "Goal: met." : "Goal: NOT met.";
    }

    private static ConvergenceRun Controller(IEnumerable<ConvergenceRun> g) => g.First(r => r.Policy == "controller");

    private static string Cell(ConvergenceRun r)
    {
        var inv = CultureInfo.InvariantCulture;
        return r.Converged
            ? string.Format(inv, "{0:0} ms / {1:0.#} s / {2}{3}", r.DowntimeMs, r.TotalSec, SizeFormat.Human(r.BytesSent),
                r.Outcome == "post-copy" ? " (post-copy)" : "")
            : string.Format(inv, "✗ {0} at {1:0} s", r.Outcome, r.TotalSec);
    }
}

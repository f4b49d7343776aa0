using System.Globalization;

namespace ActorMigration.Bench.Balance;

public static class BalanceSimReport
{
    public static void Print(BalanceSimBench.Result r)
    {
        var inv = CultureInfo.InvariantCulture;
        string Row(string what, object ours, object naive, string ratio) => string.Format(inv, "| {0} | {1} | {2} | {3} |", what, ours, naive, ratio);
        static string Ratio(double a, double b) => b == 0 ? (a == 0 ? "–" : "∞") : (a / b).ToString("F2", CultureInfo.InvariantCulture);
        var (o, n) = (r.Ours, r.Naive);
        Console.WriteLine($"{r.Nodes} nodes, {r.Vms} VMs (skewed 45/25/15/10/5 %), default options (threshold 0.10, target 0.05, min-gain 0.005, "
            + $"cooldown 1800 s); then {o.NoiseMoves.Count} rounds of 300 s under ±20 % noise\n");
        Console.WriteLine("| | planner | naive baseline | ratio planner/naive |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine(Row("score before", o.ScoreBefore.ToString("F3", inv), n.ScoreBefore.ToString("F3", inv), ""));
        Console.WriteLine(Row("score after one plan", o.ScoreAfter.ToString("F3", inv), n.ScoreAfter.ToString("F3", inv), ""));
        Console.WriteLine(Row("migrations to balance", o.Moves, n.Moves, Ratio(o.Moves, n.Moves)));
        Console.WriteLine(Row("lower bound (MoveLowerBound)", o.LowerBound, n.LowerBound, ""));
        Console.WriteLine(Row("migrations / lower bound", Ratio(o.Moves, o.LowerBound), Ratio(n.Moves, n.LowerBound), ""));
        Console.WriteLine(Row("migrations per noisy round (mean)", o.NoiseMoves.Average().ToString("F2", inv), n.NoiseMoves.Average().ToString("F2", inv),
            Ratio(o.NoiseMoves.Sum(), n.NoiseMoves.Sum())));
        Console.WriteLine(Row("noisy rounds with moves", o.NoiseMoves.Count(x => x > 0), n.NoiseMoves.Count(x => x > 0),
            Ratio(o.NoiseMoves.Count(x => x > 0), n.NoiseMoves.Count(x => x > 0))));
        Console.WriteLine(Row("VM moved again within its cooldown", o.MovedTwiceInCooldown, n.MovedTwiceInCooldown, ""));
        Console.WriteLine(Row($"planning time, {r.ScaleVms} VMs on {r.ScaleNodes} nodes (median of 5)",
            string.Format(inv, "{0:F0} ms ({1} moves)", r.PlanMs, r.ScaleMoves),
            string.Format(inv, "{0:F0} ms", r.NaiveMs), Ratio(r.PlanMs, r.NaiveMs)));
        Console.WriteLine($"\nmoves per noisy round, planner: {string.Join(" ", o.NoiseMoves)}; naive: {string.Join(" ", n.NoiseMoves)}");
    }
}

using ScottPlot;

namespace ActorMigration.Bench.Convergence;

/// <summary>Downtime per case and policy (converged runs only), one marker series per policy.</summary>
public static class ConvergencePlot
{
    public static void Save(List<ConvergenceRun> runs, string path)
    {
        var cases = runs.Select(r => r.Case).Distinct().ToList();
        var policies = runs.Select(r => r.Policy).Distinct().ToList();
        var plot = new Plot();
        MarkerShape[] shapes = [MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.Cross, MarkerShape.OpenDiamond];
        for (var i = 0; i < policies.Count; i++)
        {
            var mine = runs.Where(r => r.Policy == policies[i] && r.Converged).ToList();
            // Side by side within a case, so equal values stay visible.
            var xs = mine.Select(r => cases.IndexOf(r.Case) + ((i - ((policies.Count - 1) / 2.0)) * 0.12)).ToArray();
            var ys = mine.Select(r => r.DowntimeMs).ToArray();
            var s = plot.Add.ScatterPoints(xs, ys);
            s.LegendText = policies[i];
            s.MarkerShape = shapes[i % shapes.Length];
            s.MarkerSize = 9;
        }
        var limit = plot.Add.HorizontalLine(1000);
        limit.LegendText = "max-downtime";
        limit.LinePattern = LinePattern.Dashed;
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, cases.Count).Select(i => (double)i).ToArray(), cases.Select(c => c.Label).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 150;
        plot.YLabel("downtime (ms), converged runs only");
        plot.Title("Live migration downtime per case: controller vs plain QEMU, Proxmox, KubeVirt (simulator, 1 Gbit/s)");
        plot.ShowLegend(Edge.Right);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 1600, 800);
    }
}

using System.Globalization;

namespace ActorMigration.Bench.Balance;

public static class ScaleReport
{
    public static void Print(ScaleBench.Result r)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double x, string f = "F0") => x.ToString(f, inv);
        string Mib(long b) => string.Format(inv, "{0:F0} MiB", b / 1048576.0);
        Console.WriteLine($"{r.Nodes} nodes, {r.Vms} VMs ({ScaleBench.MemoryMiB} MiB each), {r.Migrations} online migrations posted at once, "
            + $"migration-limits {r.Limits}\n");
        Console.WriteLine("| | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| VM records created (through the VM actors, 250 at a time) | {F(r.CreateSeconds, "F1")} s |");
        Console.WriteLine($"| VMs started for migration (node actors, 100 at a time) | {F(r.StartSeconds, "F1")} s |");
        Console.WriteLine($"| all {r.Migrations} `POST …/migrate` answered (UPIDs) | {F(r.SubmitSeconds, "F1")} s |");
        Console.WriteLine($"| **time until all migrations ended** (first POST → last task end) | **{F(r.AllEndedSeconds, "F1")} s** |");
        Console.WriteLine($"| POSTs answered only after the start timeout ({ScaleBench.StartTimeoutMs / 1000} s) | {r.LateStarts} |");
        Console.WriteLine($"| ended OK | {r.Ok} of {r.Migrations} |");
        Console.WriteLine($"| most running at once / queued at once (`GET /cluster/migrations`, every 1 s) | {r.PeakRunning} / {r.PeakQueued} |");
        Console.WriteLine($"| RSS idle (records loaded, before the migrations) | {Mib(r.RssIdle)} |");
        Console.WriteLine($"| **RSS peak** (VmHWM, whole run) | **{Mib(r.RssPeak)}** |");
        Console.WriteLine($"| RSS at the end | {Mib(r.RssEnd)} |");
        Console.WriteLine(string.Format(inv, "| `GET /cluster/resources` idle: p50 / p99 / max ({0} samples) | {1:F0} / {2:F0} / {3:F0} ms |",
            r.Idle.Samples, r.Idle.P50, r.Idle.P99, r.Idle.Max));
        Console.WriteLine(string.Format(inv, "| `GET /cluster/resources` during the run: p50 / p99 / max ({0} samples) | {1:F0} / {2:F0} / {3:F0} ms |",
            r.During.Samples, r.During.P50, r.During.P99, r.During.Max));
        Console.WriteLine(string.Format(inv, "| **p99 ratio during / idle** | **{0:F2}** |", r.During.P99 / r.Idle.P99));
        Console.WriteLine(string.Format(inv, "| task end decided (`TaskFinished.At`) → persisted, p50 / p99 / max ({0} tasks) " +
            "| {1:F0} / {2:F0} / {3:F0} ms |",
            r.EndWritten.Samples, r.EndWritten.P50, r.EndWritten.P99, r.EndWritten.Max));
        Console.WriteLine(string.Format(inv, "| **read model lag**: persisted → listed as ended, p50 / p99 / max ({0} tasks, sampled every 100 ms) " +
            "| {1:F0} / **{2:F0}** / {3:F0} ms |", r.EndListed.Samples, r.EndListed.P50, r.EndListed.P99, r.EndListed.Max));
        Console.WriteLine(string.Format(inv, "| read model tag offset behind the journal's newest tagged row, median / max (every 500 ms) " +
            "| {0:F0} / {1} rows |", r.OffsetBehindMedian, r.OffsetBehindMax));
        Console.WriteLine($"| tasks listed as ended more than 1 s after their end was persisted | {r.ListedAfterOneSecond} |");
        foreach (var n in r.NotOk.Take(20)) Console.WriteLine($"not OK: {n}");
    }
}

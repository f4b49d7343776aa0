using System.Globalization;

namespace ActorMigration.Bench.Clone;

/// <summary>The clone benchmark as a markdown table, medians and the command that produced it.</summary>
public static class CloneReport
{
    public static void Print(CloneBench.Result r, string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        double MiBps(double seconds) => r.VirtualBytes / 1048576.0 / seconds;
        Console.WriteLine($"command: dotnet run -c Release --project bench/ActorMigration.Bench -- {string.Join(' ', args)}");
        Console.WriteLine(string.Format(inv, "full-clone source: {0} MiB random data in a {1} MiB raw disk (throughput = virtual size / time); data on {2}\n",
            r.DataBytes >> 20, r.VirtualBytes >> 20, Path.GetDirectoryName(r.DataDir)));
        Console.WriteLine("each round: two of each (linked 1-64-64-1; full clones E-B-B-E in odd rounds, B-E-E-B in even ones), means; last row: " +
            "medians over the rounds; every copy is removed right after it is timed\n");
        Console.WriteLine("| round | linked clone 1 GiB (s) | linked clone 64 GiB (s) | ratio 64/1 | engine full clone (s) | engine MiB/s | bare " +
            "qemu-img convert (s) | bare MiB/s | ratio engine/bare |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (var i = 0; i < r.Rounds.Count; i++)
        {
            var x = r.Rounds[i];
            Console.WriteLine(string.Format(inv, "| {0} | {1:F3} | {2:F3} | {3:F2} | {4:F2} | {5:F0} | {6:F2} | {7:F0} | {8:F2} |",
                i + 1, x.Linked1GiB, x.Linked64GiB, x.Linked64GiB / x.Linked1GiB, x.EngineFull, MiBps(x.EngineFull),
                x.BareFull, MiBps(x.BareFull), x.BareFull / x.EngineFull));
        }
        var m = (L1: BenchStats.Median(r.Rounds.Select(x => x.Linked1GiB)), L64: BenchStats.Median(r.Rounds.Select(x => x.Linked64GiB)),
            E: BenchStats.Median(r.Rounds.Select(x => x.EngineFull)), B: BenchStats.Median(r.Rounds.Select(x => x.BareFull)));
        Console.WriteLine(string.Format(inv,
            "| **median** | **{0:F3}** | **{1:F3}** | **{2:F2}** | **{3:F2}** | **{4:F0}** | **{5:F2}** | **{6:F0}** | **{7:F2}** |",
            m.L1, m.L64, m.L64 / m.L1, m.E, MiBps(m.E), m.B, MiBps(m.B), m.B / m.E));
    }
}

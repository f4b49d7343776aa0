using System.Globalization;
using static ActorMigration.Bench.BenchStats;

namespace ActorMigration.Bench.Balance;

public static class EvacuationReport
{
    public static void Print(IReadOnlyList<EvacuationBench.Round> rounds)
    {
        var inv = CultureInfo.InvariantCulture;
        static string Name(EvacuationBench.Kind k) => k == EvacuationBench.Kind.Maintenance
            ? "`maintenance enable=1` (limits 2 outbound / 5 cluster)"
            : "`migrateall target=node2 maxworkers=1`";
        Console.WriteLine($"{EvacuationBench.Vms} running VMs of {EvacuationBench.MemoryMiB} MiB on node1 of 3 nodes, simulated link "
            + $"{EvacuationBench.Link}/s, speed factor 1; fresh member per round\n");
        Console.WriteLine("| round | how | node1 empty, task ended (s) | exit status | moved to node2 / node3 | left on node1 " +
            "| one migration after its slot, mean (s) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var r in rounds)
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2:F1} | {3} | {4} / {5} | {6} | {7:F1} |", r.Index, Name(r.Kind), r.Seconds,
                r.ExitStatus, r.ToNode2, r.ToNode3, r.LeftOnNode1, r.MigrationSeconds));
        var m = Median(rounds.Where(r => r.Kind == EvacuationBench.Kind.Maintenance).Select(r => r.Seconds));
        var s = Median(rounds.Where(r => r.Kind == EvacuationBench.Kind.MigrateAllSequential).Select(r => r.Seconds));
        Console.WriteLine(string.Format(inv, "| median | {0} | **{1:F1}** | | | | |", Name(EvacuationBench.Kind.Maintenance), m));
        Console.WriteLine(string.Format(inv, "| median | {0} | **{1:F1}** | | | | |", Name(EvacuationBench.Kind.MigrateAllSequential), s));
        Console.WriteLine(string.Format(inv, "\nratio maintenance / sequential migrateall (medians): **{0:F2}** ({1:F2}× faster)", m / s, s / m));
    }
}

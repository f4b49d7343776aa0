using System.Globalization;
using static ActorMigration.Bench.BenchStats;

namespace ActorMigration.Bench.Qemu;

/// <summary>The qemu-live result as markdown tables on stdout.</summary>
public static class QemuLiveReport
{
    public static void Print(QemuLiveResult r, int rounds, int memoryMiB, int pollMs, int warmUp)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"QEMU {r.QemuVersion}, accel {r.Accelerator}, guest: test image (heartbeat every 200 ms), {r.MemoryMiB} MiB, {Disks()}; " +
                          $"downtime limit {QemuLiveBench.DowntimeLimitMs} ms, unlimited bandwidth, auto-converge, poll {r.PollMs} ms, " +
                          $"rest {QemuLiveBench.Settle.TotalSeconds:F0} s between moves of a guest; {Environment.ProcessorCount} CPUs");
        Console.WriteLine($"command lines: {r.CommandLineCheck}");
        Console.WriteLine($"host free page reporting: {r.PageReporting}\n");
        Console.WriteLine("| round | first | engine (API) | total s | downtime ms | bare (QMP) | total s | downtime ms | engine/bare | " +
                          "engine switchover QMP |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var x in r.Rounds)
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2} | {3:F2} | {4} | {5} | {6:F2} | {7} | {8:F2} | {9} |",
                x.Round, x.First, x.Engine.Direction, x.Engine.Seconds, x.Engine.DowntimeMs, x.Bare?.Direction ?? "-", x.Bare?.Seconds,
                x.Bare?.DowntimeMs, x.Ratio, SwitchoverCommands.Describe(x.Engine.SwitchoverQmp)));
        Console.WriteLine();
        Console.WriteLine("| mode | median total s | median downtime ms | spawn | setup | qemu | switchover | cleanup | orchestrator CPU s |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (name, pick) in new (string, Func<QemuLiveRound, Measured?>)[] { ("engine (API)", x => x.Engine), ("bare QMP", x => x.Bare) })
        {
            var ms = r.Rounds.Select(pick).OfType<Measured>().ToList();
            if (ms.Count == 0) continue;
            Console.WriteLine(string.Format(inv, "| {0} | {1:F2} | {2} | {3:F2} | {4:F2} | {5:F2} | {6:F2} | {7:F2} | {8:F2} |", name,
                Median(ms.Select(m => m.Seconds)), Median(ms.Select(m => (double)m.DowntimeMs)),
                Median(ms.Select(m => m.Phases.Spawn)), Median(ms.Select(m => m.Phases.Setup)), Median(ms.Select(m => m.Phases.Qemu)),
                Median(ms.Select(m => m.Phases.Switchover)), Median(ms.Select(m => m.Phases.Cleanup)),
                Median(ms.Select(m => m.OrchestratorCpuSeconds))));
        }
        if (r.Rounds.Any(x => x.Bare is null))
            Console.WriteLine($"\ndisk variant (AM_BENCH_DISK_MIB={QemuLiveBench.DiskMiB}): bare QMP side skipped; QMP count only, no ratio");
        else PrintRatios(r);
        PrintQmpCounts(r);
        Console.WriteLine("(phases are medians of each phase on its own, in seconds; they need not add up to the median total; " +
                          "orchestrator CPU = CPU time of the member process, resp. of this bench process, during the migration)");
        Console.WriteLine($"command: {(QemuLiveBench.DiskMiB > 0 ? $"AM_BENCH_DISK_MIB={QemuLiveBench.DiskMiB} " : "")}" +
                          $"dotnet run -c {ChildMember.Layout().Config} --project bench/ActorMigration.Bench -- " +
                          $"qemu-live {rounds} {memoryMiB} {pollMs} {warmUp}");
    }

    private static string Disks() => QemuLiveBench.DiskMiB > 0
        ? $"one {QemuLiveBench.DiskMiB} MiB qcow2 disk (scsi0) on local storage, migrated with-local-disks=1"
        : "no disks";

    private static void PrintRatios(QemuLiveResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var ratio = Median(r.Rounds.Select(x => x.Ratio));
        Console.WriteLine(string.Format(inv, "\nmedian per-round ratio engine/bare: {0:F2} (target <= 1.10: {1}); ratio of the medians: {2:F2}",
            ratio, ratio <= 1.10 ? "met" : "NOT met",
            Median(r.Rounds.Select(x => x.Engine.Seconds)) / Median(r.Rounds.Select(x => x.Bare!.Seconds))));
        // With the host's free page reporting on, QEMU's own transfer phase is bimodal for either driver (for 512 MiB
        // about 0.1 s or 0.5-1 s) and decides a round's ratio. With each round's transfer phase equalized (the engine's
        // time outside it plus the bare transfer time, over the bare total), what remains is what the engine adds.
        var equalized = Median(r.Rounds.Select(x => (x.Engine.Seconds - x.Engine.Phases.Qemu + x.Bare!.Phases.Qemu) / x.Bare.Seconds));
        Console.WriteLine(string.Format(inv,
            "median ratio with the QEMU transfer phase equalized: {0:F2} (what the orchestration adds; not the target's measure)",
            equalized));
        Console.WriteLine(string.Format(inv, "time outside QEMU's transfer phase: engine {0:F2} s, bare {1:F2} s (medians)",
            Median(r.Rounds.Select(x => x.Engine.Seconds - x.Engine.Phases.Qemu)), Median(r.Rounds.Select(x => x.Bare!.Seconds - x.Bare.Phases.Qemu))));
    }

    private static void PrintQmpCounts(QemuLiveResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(inv, "engine QMP commands per migration: switchover median {0} (min {1}, max {2}), whole migration median {3}; {4}",
            Median(r.Rounds.Select(x => (double)(x.Engine.SwitchoverQmp?.Count ?? 0))),
            r.Rounds.Min(x => x.Engine.SwitchoverQmp?.Count ?? 0), r.Rounds.Max(x => x.Engine.SwitchoverQmp?.Count ?? 0),
            Median(r.Rounds.Select(x => (double)x.Engine.MigrationQmp)), SwitchoverCommands.Definition));
        // Which commands (node aside), how often summed over the rounds, in order of first appearance.
        var which = r.Rounds.SelectMany(x => x.Engine.SwitchoverQmp ?? []).GroupBy(c => c[(c.IndexOf(':') + 1)..])
            .Select(g => $"{g.Key} x{g.Count()}");
        Console.WriteLine($"switchover commands over all {r.Rounds.Count} rounds: {string.Join(", ", which)}");
    }
}

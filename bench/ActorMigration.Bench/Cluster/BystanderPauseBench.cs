using System.Globalization;
using ActorMigration.Bench.Qemu;
using ActorMigration.TestSupport;
using static ActorMigration.Bench.BenchStats;

namespace ActorMigration.Bench.Cluster;

/// <summary>
/// bystander-pause: the guest's pause when a bystander member dies at switchover (issue 12). Three members on PostgreSQL
/// with the real QEMU driver (<see cref="ThreeQemuMembers"/>); one heartbeat guest (512 MiB) migrates online at 16 MiB/s,
/// measured as in QemuClusterCrashTests (<see cref="BystanderSwitchover"/>: the largest heartbeat gap by wall clock).
/// Rounds alternate: a kill round migrates the guest away from its node to the node of neither it nor the oldest member
/// (the shard coordinator's host) and kills that member about 1 s before QEMU's predicted switchover; the member is
/// restarted (the youngest now). The baseline round then migrates the guest, with the same prediction and no kill, to
/// the restarted member's node, so the next kill round again finds the oldest member a bystander. The host's free page
/// reporting is held back as in qemu-live (<see cref="FreePageReporting"/>).
/// </summary>
public static class BystanderPauseBench
{
    private const int VmId = 600;
    private const int MemoryMiB = 512;
    private const long BwLimitKiB = 16384;

    public sealed record Round(int Number, bool Kill, string From, string To, string Bystander, string Record, double PauseMs,
        double SwitchoverMs, double TriggerToStopMs, long DowntimeLimitMs, string Status);

    /// <param name="recordLag">
    /// Start each round at once (the VM's record may still be on the member its VM left, possibly the one killed); by default
    /// each round first waits until the record runs on the source's member, so the killed member holds nothing of the VM.
    /// </param>
    public static async Task<(IReadOnlyList<Round> Rounds, string Reporting)> Run(int rounds, bool recordLag = false)
    {
        using var reporting = FreePageReporting.Hold();
        Console.Error.WriteLine($"host free page reporting: {reporting.State}");
        var c = await ThreeQemuMembers.StartAsync();
        var results = new List<Round>();
        try
        {
            var at = "node2";
            await c.StartGuestAsync(at, VmId, MemoryMiB);
            string? killedNode = null;
            for (var i = 1; i <= 2 * rounds; i++)
            {
                var kill = i % 2 == 1;
                var bystander = kill ? c.Oldest : null;
                var to = kill
                    ? ThreeMembers.Nodes.Single(n => n != at && c.Hosting(n) != bystander)
                    : killedNode!;
                var third = c.Hosting(ThreeMembers.Nodes.Single(n => n != at && n != to));
                var oldest = c.Oldest;
                if (!recordLag) await c.WaitRecordOnAsync(at, VmId);
                var record = c.Name(c.RecordMember(VmId)!);
                var r = await BystanderSwitchover.RunAsync(c, VmId, MemoryMiB, at, to, BwLimitKiB, bystander);
                Console.Error.WriteLine($"round {i}: {r.Describe()}");
                results.Add(new Round(i, kill, at, to, c.Name(third) + (third == oldest ? " (oldest)" : ""), record,
                    r.Pause.Ms, r.Switchover.Ms, r.TriggerToStopMs, r.DowntimeLimitMs, r.Status));
                if (kill) killedNode = ThreeMembers.Nodes[c.Members.ToList().IndexOf(bystander!)];
                at = to;
                await c.EnsureAllRunningAsync();
            }
            var reported = reporting.ReportedSinceStart();
            return (results, reporting.State + (reported >= 0 ? $"; {reported} KiB reported during the run" : ""));
        }
        finally
        {
            await c.StopQuietlyAsync(VmId);
            await c.DisposeAsync();
        }
    }

    public static void Print((IReadOnlyList<Round> Rounds, string Reporting) run)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"free page reporting: {run.Reporting}");
        Console.WriteLine("| round | kind | migration | bystander | VM record on | guest pause (largest heartbeat gap, ms) "
            + "| source's last → target's first heartbeat (ms) | kill (or trigger) → source's last heartbeat (ms) | task |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in run.Rounds)
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2} → {3} | {4} | {5} | {6:F0} | {7:F0} | {8:F0} | {9} |",
                r.Number, r.Kill ? "bystander killed" : "baseline", r.From, r.To, r.Bystander + (r.Kill ? ", killed" : ""), r.Record, r.PauseMs,
                r.SwitchoverMs, r.TriggerToStopMs, r.Status));
        var killed = Median(run.Rounds.Where(r => r.Kill).Select(r => r.PauseMs));
        var baseline = Median(run.Rounds.Where(r => !r.Kill).Select(r => r.PauseMs));
        Console.WriteLine(string.Format(inv,
            "\nmedian guest pause: bystander killed {0:F0} ms, baseline {1:F0} ms, ratio {2:F2} (n = {3} + {4}; downtime limit {5} ms, " +
            "max with a kill {6:F0} ms)", killed, baseline, killed / baseline, run.Rounds.Count(r => r.Kill), run.Rounds.Count(r => !r.Kill),
            run.Rounds.First().DowntimeLimitMs, run.Rounds.Where(r => r.Kill).Max(r => r.PauseMs)));
    }
}

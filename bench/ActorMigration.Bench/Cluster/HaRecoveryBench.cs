using System.Globalization;
using System.Text.RegularExpressions;
using ActorMigration.Actors.Fencing;
using ActorMigration.Domain.Ha;
using ActorMigration.TestSupport;
using static ActorMigration.Bench.BenchStats;

namespace ActorMigration.Bench.Cluster;

/// <summary>
/// HA recovery: three members on PostgreSQL with the simulated driver and the standard fencing timings (fence after 8 s
/// without a pet, lease 10 s). Each round an HA VM (disk on storage <c>shared</c>) runs on node3 and m3 is killed with
/// SIGKILL; m1 (the HA manager, never killed) is asked every 100 ms for <c>/cluster/ha/status/current</c> and for where the
/// VM runs. Measured from the kill: the manager marks node3 <c>fence</c> (detection) and <c>fenced</c> (fence wait), read
/// from its log lines (ms); the VM runs on a survivor by the API (start). status/current is sampled too: when it first
/// showed node3 <c>fence</c> and <c>fenced</c>. m3 is restarted before the next round.
/// </summary>
public static class HaRecoveryBench
{
    public sealed record Round(int VmId, string Target, double Detection, double FenceWait, double Start, double ShownFence, double ShownFenced)
    {
        public double Total => Detection + FenceWait + Start;
    }

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public static async Task<IReadOnlyList<Round>> Run(int rounds)
    {
        await using var three = await ThreeMembers.StartAsync(sharedStorage: SharedStorage.NewDir());
        var leases = new NodeLeases("postgres", three.Pg);
        var c = three[0].Client;
        var results = new List<Round>();
        for (var i = 0; i < rounds; i++)
        {
            var vmid = 800 + i;
            await HaVms.CreateAsync(c, "node3", vmid, 2048, ha: true);
            await PveClient.Eventually(async () => await leases.ReadAsync("node3") is { Held: true, Expired: false } l
                && l.ExpiresAt - l.RenewedAt == FenceTimings.Standard.LeaseTtl, TimeSpan.FromSeconds(60), "node3's watchdog armed");

            await using (var status = new HaStatusWatch(c, Poll))
            {
                var killedAt = DateTime.UtcNow;
                three[2].Kill9();
                string? target;
                while ((target = await HaVms.RunningElsewhereAsync(c, vmid, "node3")) is null)
                {
                    if (DateTime.UtcNow - killedAt > TimeSpan.FromSeconds(120))
                        throw new TimeoutException($"VM {vmid} does not run elsewhere 120 s after the kill: {status.Describe()}");
                    await Task.Delay(Poll);
                }
                var running = (DateTime.UtcNow - killedAt).TotalSeconds;
                var shownFence = status.First("lrm:node3", x => HaStatusWatch.ShowsFence(x.Status));
                var shownFenced = status.First("lrm:node3", x => HaStatusWatch.ShowsFenced(x.Status));
                if (shownFence is null || shownFenced is null) throw new InvalidOperationException($"node3 not shown fence and fenced: {status.Describe()}");
                var log = three[0].ReadLog();
                var fence = Logged(log, "fence", killedAt);
                var fenced = Logged(log, "fenced", killedAt);
                var r = new Round(vmid, target, fence, fenced - fence, running - fenced, (shownFence.Value - killedAt).TotalSeconds,
                    (shownFenced.Value - killedAt).TotalSeconds);
                results.Add(r);
                Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "round {0}: VM {1} runs on {2}; detection {3:F1} s, fence wait {4:F1} s, start {5:F1} s, total {6:F1} s; " +
                    "status/current showed fence at {7:F1} s, fenced at {8:F1} s", i + 1, vmid, target, r.Detection, r.FenceWait, r.Start, r.Total,
                    r.ShownFence, r.ShownFenced));
            }
            await three.RestartAsync(2);
            foreach (var m in three.Members) await three.WaitOnlineAsync(m, ThreeMembers.Nodes, TimeSpan.FromSeconds(90));
        }
        return results;
    }

    /// <summary>Seconds from <paramref name="after"/> to the manager's first log line after it that marks node3 <paramref name="state"/>.</summary>
    private static double Logged(string log, string state, DateTime after)
    {
        var pattern = new Regex($@"^(\d\d:\d\d:\d\d\.\d{{3}}).*HA manager: node ""?node3""? is now ""?{state}""?(\s|$)");
        foreach (var line in log.Split('\n'))
        {
            var m = pattern.Match(line);
            if (!m.Success) continue;
            var at = after.Date + TimeSpan.ParseExact(m.Groups[1].Value, @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
            if (at >= after) return (at - after).TotalSeconds;
        }
        throw new InvalidOperationException($"m1 never logged node3 '{state}' after {after:HH:mm:ss.fff}");
    }

    public static void Print(IReadOnlyList<Round> results)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine("| round | recovered to | detection: kill → `fence` (s) | fence wait: → `fenced` (s) | start: → running (s) | " +
            "total (s) | status/current showed `fence`, `fenced` (s after the kill) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2:F1} | {3:F1} | {4:F1} | {5:F1} | {6:F1}, {7:F1} |", i + 1, r.Target, r.Detection,
                r.FenceWait, r.Start, r.Total, r.ShownFence, r.ShownFenced));
        }
        Console.WriteLine(string.Format(inv, "| median | | {0:F1} | {1:F1} | {2:F1} | **{3:F1}** | {4:F1}, {5:F1} |", Median(results.Select(r => r.Detection)),
            Median(results.Select(r => r.FenceWait)), Median(results.Select(r => r.Start)), Median(results.Select(r => r.Total)),
            Median(results.Select(r => r.ShownFence)), Median(results.Select(r => r.ShownFenced))));
    }
}

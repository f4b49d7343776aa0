using System.Globalization;
using ActorMigration.Actors.Fencing;
using ActorMigration.Domain.Ha;
using ActorMigration.TestSupport;
using static ActorMigration.Bench.BenchStats;

namespace ActorMigration.Bench.Cluster;

/// <summary>
/// HA recovery: three members on PostgreSQL with the simulated driver and the standard fencing timings (fence after 8 s
/// without a pet, lease 10 s). Each round an HA VM (disk on storage <c>shared</c>) runs on node3 and m3 is killed with
/// SIGKILL; m1 (the HA manager, never killed) is asked every 100 ms for <c>/cluster/ha/status/current</c> and for where the
/// VM runs. Measured from the kill: node3 shown <c>fence</c> (detection), then <c>fenced</c> (fence wait), then the VM
/// running on a survivor (start). m3 is restarted before the next round.
/// </summary>
public static class HaRecoveryBench
{
    public sealed record Round(int VmId, string Target, double Detection, double FenceWait, double Start)
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
                var running = Seconds(DateTime.UtcNow - killedAt);
                var fence = status.First("lrm:node3", x => HaStatusWatch.ShowsFence(x.Status));
                var fenced = status.First("lrm:node3", x => HaStatusWatch.ShowsFenced(x.Status));
                if (fence is null || fenced is null) throw new InvalidOperationException($"node3 not shown fence and fenced: {status.Describe()}");
                var r = new Round(vmid, target, Seconds(fence.Value - killedAt), Seconds(fenced.Value - fence.Value),
                    running - Seconds(fenced.Value - killedAt));
                results.Add(r);
                Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "round {0}: VM {1} runs on {2}; detection {3:F1} s, fence wait {4:F1} s, start {5:F1} s, total {6:F1} s",
                    i + 1, vmid, target, r.Detection, r.FenceWait, r.Start, r.Total));
            }
            await three.RestartAsync(2);
            foreach (var m in three.Members) await three.WaitOnlineAsync(m, ThreeMembers.Nodes, TimeSpan.FromSeconds(90));
        }
        return results;
    }

    private static double Seconds(TimeSpan t) => t.TotalSeconds;

    public static void Print(IReadOnlyList<Round> results)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine("| round | recovered to | detection: kill → `fence` (s) | fence wait: → `fenced` (s) | start: → running (s) | total (s) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2:F1} | {3:F1} | {4:F1} | {5:F1} |", i + 1, r.Target, r.Detection, r.FenceWait,
                r.Start, r.Total));
        }
        Console.WriteLine(string.Format(inv, "| median | | {0:F1} | {1:F1} | {2:F1} | {3:F1} |", Median(results.Select(r => r.Detection)),
            Median(results.Select(r => r.FenceWait)), Median(results.Select(r => r.Start)), Median(results.Select(r => r.Total))));
    }
}

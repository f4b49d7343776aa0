using System.Diagnostics;
using System.Globalization;
using ActorMigration.TestSupport;

namespace ActorMigration.Bench.Cluster;

/// <summary>
/// Orchestration throughput through the REST API, three members on PostgreSQL next to one member on SQLite, side by side:
/// both clusters run at once (real member processes, simulated driver with instant copies) and the rounds alternate
/// (which goes first alternates too). Each holds n running VMs spread over node1..node3; a round migrates every VM online
/// to the next node, each request sent to the member that hosts its source node, and ends when every task has ended OK
/// (each task's status, asked one at a time). A first round per setup warms up and is not counted.
/// </summary>
public static class ClusterThroughputBench
{
    public sealed record Round(string Setup, int Migrations, double Seconds)
    {
        public double PerSecond => Migrations / Seconds;
    }

    private sealed record Setup(string Name, Func<string, MemberProcess> MemberOf, string[] At);

    public const string One = "1 member, SQLite";
    public const string Three = "3 members, PostgreSQL";

    public static async Task<IReadOnlyList<Round>> Run(int n, int rounds, string speed = "200")
    {
        var sim = new Dictionary<string, string> { ["AM_SIM_SPEED_FACTOR"] = speed, ["AM_SIM_INSTANT_COPY"] = "true" };
        await using var one = new MemberProcess(new Dictionary<string, string>(sim) { ["AM_NODES"] = string.Join(",", ThreeMembers.Nodes) },
            "am-one");
        await one.StartAsync();
        await using var three = await ThreeMembers.StartAsync(speed, sim);
        foreach (var m in three.Members) await three.WaitOnlineAsync(m, ThreeMembers.Nodes);

        var vmids = Enumerable.Range(1001, n).ToArray();
        Setup[] setups =
        [
            new(One, _ => one, [.. vmids.Select((_, i) => ThreeMembers.Nodes[i % 3])]),
            new(Three, three.Hosting, [.. vmids.Select((_, i) => ThreeMembers.Nodes[i % 3])]),
        ];
        foreach (var s in setups) await CreateVms(s, vmids);

        // Round 0 warms up (JIT, connection pools, the journals' first writes) and is not counted.
        var results = new List<Round>();
        for (var round = 0; round <= rounds; round++)
        {
            // Which setup goes first alternates, so neither always runs right after the other's burst.
            foreach (var s in round % 2 == 0 ? setups : setups.Reverse())
            {
                var seconds = await MigrateAll(s, vmids);
                if (round > 0) results.Add(new Round(s.Name, n, seconds));
                Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "round {0}, {1}: {2} migrations in {3:F2} s ({4:F1}/s)",
                    round == 0 ? "0 (warm-up)" : round, s.Name, n, seconds, n / seconds));
            }
        }
        return results;
    }

    private static async Task CreateVms(Setup s, int[] vmids)
    {
        using var gate = new SemaphoreSlim(6);
        await Task.WhenAll(vmids.Select(async (vmid, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var node = s.At[i];
                var c = s.MemberOf(node).Client;
                await ClusterRuns.Ok(c, await c.Upid(c.Post($"/nodes/{node}/qemu", ("vmid", vmid.ToString()), ("memory", "512"))));
                await ClusterRuns.Ok(c, await c.Upid(c.Post($"/nodes/{node}/qemu/{vmid}/status/start")));
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>Migrates every VM to the next node; the seconds from the first request to the last task seen ended.</summary>
    private static async Task<double> MigrateAll(Setup s, int[] vmids)
    {
        string Next(string node) => ThreeMembers.Nodes[(Array.IndexOf(ThreeMembers.Nodes, node) + 1) % 3];
        var sw = Stopwatch.StartNew();
        var upids = await Task.WhenAll(vmids.Select((vmid, i) =>
        {
            var c = s.MemberOf(s.At[i]).Client;
            return c.Upid(c.Post($"/nodes/{s.At[i]}/qemu/{vmid}/migrate", ("target", Next(s.At[i])), ("online", "1")));
        }));
        var pending = upids.Select((upid, i) => (upid, i)).ToList();
        while (pending.Count > 0)
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(600)) throw new TimeoutException($"{s.Name}: {pending.Count} migrations did not end");
            foreach (var (upid, i) in pending.ToList())
            {
                var st = (await s.MemberOf(s.At[i]).Client.Get($"/nodes/{s.At[i]}/tasks/{upid}/status")).Data;
                if (st?["status"]?.GetValue<string>() != "stopped") continue;
                var exit = st["exitstatus"]?.GetValue<string>();
                if (exit != "OK") throw new InvalidOperationException($"{s.Name}: {upid} ended {exit}");
                pending.Remove((upid, i));
            }
            if (pending.Count > 0) await Task.Delay(100);
        }
        var seconds = sw.Elapsed.TotalSeconds;
        for (var i = 0; i < s.At.Length; i++) s.At[i] = Next(s.At[i]);
        return seconds;
    }

    public static void Print(IReadOnlyList<Round> results)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"| round | migrations | {One}: s | {One}: migrations/s | {Three}: s | {Three}: migrations/s | ratio 3 PG / 1 SQLite |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var ones = results.Where(r => r.Setup == One).ToList();
        var threes = results.Where(r => r.Setup == Three).ToList();
        for (var i = 0; i < Math.Min(ones.Count, threes.Count); i++)
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2:F2} | {3:F1} | {4:F2} | {5:F1} | {6:F2} |", i + 1, ones[i].Migrations,
                ones[i].Seconds, ones[i].PerSecond, threes[i].Seconds, threes[i].PerSecond, threes[i].PerSecond / ones[i].PerSecond));
        Console.WriteLine(string.Format(inv, "\nmedian migrations/s: {0}: {1:F1}; {2}: {3:F1}; median ratio of the rounds: {4:F2}", One,
            BenchStats.Median(ones.Select(r => r.PerSecond)), Three, BenchStats.Median(threes.Select(r => r.PerSecond)),
            BenchStats.Median(ones.Zip(threes, (a, b) => b.PerSecond / a.PerSecond))));
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMigration.TestSupport;

namespace ActorMigration.Bench.Cluster;

/// <summary>
/// How long the source's lock is held after the target's member dies: three members on PostgreSQL with the simulated
/// driver; an online migration node1 → node2 of a running 2 GiB VM; during precopy m2 (node2's member) is killed with
/// SIGKILL. Measured from the kill, on m1 (the source's member): node2 offline in <c>/nodes</c>, node2 declared down
/// (m1's one warning), the task's end, the VM record's lock gone, and the source running again with no migration in
/// flight (the sim file on m1's data directory). m2 is restarted (it rejoins) before the next round, and then the
/// copies that run are checked: exactly one, on the record's node.
/// </summary>
public static partial class TargetLossBench
{
    public sealed record Round(int VmId, string RecordOn, double Unreachable, double Down, double Ended, string Exit, double Unlocked,
        double UnlockedApi, double LongestConfigGet, double SourceRunning, string CopiesAfterRejoin);

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);

    public static async Task<IReadOnlyList<Round>> Run(int rounds, int memoryMiB = 2048)
    {
        await using var three = await ThreeMembers.StartAsync(speed: "2");
        var (m1, m2) = (three[0], three[1]);
        var c = m1.Client;
        var results = new List<Round>();
        for (var i = 0; i < rounds; i++)
        {
            var vmid = 601 + i;
            await ClusterRuns.Ok(c, await c.Upid(c.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", memoryMiB.ToString()))));
            await ClusterRuns.Ok(c, await c.Upid(c.Post($"/nodes/node1/qemu/{vmid}/status/start")));
            var upid = await c.Upid(c.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
            await PveClient.Eventually(async () => (await c.Log(upid)).Any(l => l.Contains("migration active")),
                TimeSpan.FromSeconds(60), "precopy");

            var warnings = Node2Offline().Count(m1.ReadLog());
            var recordOn = RecordHost(three, vmid);
            var killedAt = DateTime.UtcNow;
            m2.Kill9();
            var round = await Watch(three, vmid, upid, warnings, killedAt) with { RecordOn = recordOn };
            Console.Error.WriteLine($"round {i + 1} (VM {vmid}): {round}");
            Console.Error.WriteLine("  task log tail: " + string.Join(" | ", (await c.Log(upid)).TakeLast(4)));

            await m2.StartAsync();
            foreach (var m in three.Members) await three.WaitOnlineAsync(m, ThreeMembers.Nodes, TimeSpan.FromSeconds(120));
            var owner = round.Exit == "OK" ? "node2" : "node1";
            IReadOnlyList<string> copies = [];
            try
            {
                await PveClient.Eventually(() =>
                {
                    copies = [.. Reality.NodesRunning(m1.DataDir, vmid, "node1"), .. Reality.NodesRunning(m2.DataDir, vmid, "node2")];
                    return Task.FromResult(copies.SequenceEqual([owner]));
                }, TimeSpan.FromSeconds(60), $"one copy of {vmid}, on {owner}");
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine($"  after m2 rejoined, VM {vmid} runs on [{string.Join(",", copies)}], its record says {owner}");
            }
            results.Add(round with { CopiesAfterRejoin = copies.Count == 0 ? "none" : string.Join(",", copies) });
        }
        return results;
    }

    /// <summary>
    /// Polls from the kill until <see cref="Limit"/> (NaN: never seen). Each mark has its own poller, so a request that hangs
    /// (it is reported) delays no other mark; the lock's release is read from the journal (the record's <c>vm.unlocked</c> row).
    /// </summary>
    private static async Task<Round> Watch(ThreeMembers three, int vmid, string upid, int warningsBefore, DateTime killedAt)
    {
        var m1 = three[0];
        var c = m1.Client;
        var sw = Stopwatch.StartNew();
        var exit = "(running)";
        var longest = 0.0;
        async Task<double> Until(Func<Task<bool>> seen)
        {
            while (sw.Elapsed < Limit)
            {
                try
                {
                    if (await seen()) return sw.Elapsed.TotalSeconds;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                await Task.Delay(100);
            }
            return double.NaN;
        }
        var unreachable = Until(async () => !(await ThreeMembers.OnlineNodesAsync(m1)).Contains("node2"));
        var down = Until(() => Task.FromResult(Node2Offline().Count(m1.ReadLog()) > warningsBefore));
        var ended = Until(async () =>
        {
            var s = (await c.Get($"/nodes/node1/tasks/{upid}/status")).Data;
            if (s?["status"]?.GetValue<string>() != "stopped") return false;
            exit = s["exitstatus"]?.GetValue<string>() ?? "?";
            return true;
        });
        var unlockedApi = Until(async () =>
        {
            var asked = sw.Elapsed.TotalSeconds;
            var cfg = await c.Get($"/nodes/node1/qemu/{vmid}/config");
            longest = Math.Max(longest, sw.Elapsed.TotalSeconds - asked);
            return cfg.Status == System.Net.HttpStatusCode.OK && cfg.Data?["lock"] is null;
        });
        var unlockRow = default(DateTime?);
        var unlocked = Until(async () =>
        {
            unlockRow = (await PgJournal.RowsAsync(three.Pg, $"vm-{vmid}")).FirstOrDefault(r => r.Created > killedAt && r.Manifest == "vm.unlocked")
                ?.Created;
            return unlockRow is not null;
        });
        var running = Until(() => Task.FromResult(SourceRunsFree(m1.DataDir, vmid)));
        await Task.WhenAll(unreachable, down, ended, unlockedApi, unlocked, running);
        return new Round(vmid, "", unreachable.Result, down.Result, ended.Result, exit,
            unlockRow is { } u ? (u - killedAt).TotalSeconds : double.NaN, unlockedApi.Result, longest, running.Result, "");
    }

    /// <summary>The member whose current log says it started the VM's record (m1..m3).</summary>
    private static string RecordHost(ThreeMembers three, int vmid) =>
        three.Members.Select((m, i) => (m, i))
            .Where(x => x.m.ReadLog().Contains($"VM record vm-{vmid} started on", StringComparison.Ordinal))
            .Select(x => $"m{x.i + 1}").LastOrDefault() ?? "?";

    /// <summary>
    /// Reality on the source: the simulated QEMU of the VM is running and has no outgoing migration in flight (none, cancelled,
    /// or its outcome applied). A migration whose precopy completed leaves the source post-migrate until it is resumed.
    /// </summary>
    private static bool SourceRunsFree(string dataDir, int vmid)
    {
        var file = Path.Combine(dataDir, "run", "node1", "sim", "vms", $"{vmid}.json");
        JsonNode? vm;
        try
        {
            vm = JsonNode.Parse(File.ReadAllText(file));
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return false;
        }
        if (vm?["state"]?.GetValue<string>() != "running") return false;
        return vm["migration"] is not { } m || m["applied"]?.GetValue<bool>() == true || m["cancelledAt"] is not null;
    }

    // Serilog may quote a string property; the warning comes once node2's member is down or removed, not merely unreachable.
    [GeneratedRegex("Node \"?node2\"? is offline")]
    private static partial Regex Node2Offline();

    public static void Print(IReadOnlyList<Round> results)
    {
        var inv = CultureInfo.InvariantCulture;
        static string S(double x) => !double.IsFinite(x) ? "never" : x.ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine("| round | VM record on | (u) node2 offline in m1's /nodes | (a) declared down | (b) task ended | exit status " +
            "| (c) lock gone (journal) | (c') m1's config shows no lock | longest config GET | (d) source running, no migration " +
            "| (c) − (a) | (d) − (a) | copies after m2 rejoined |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2} | {3} | {4} | {5} | {6} | {7} | {8} | {9} | {10} | {11} | {12} |",
                i + 1, r.RecordOn, S(r.Unreachable), S(r.Down), S(r.Ended), r.Exit, S(r.Unlocked), S(r.UnlockedApi), S(r.LongestConfigGet),
                S(r.SourceRunning), S(r.Unlocked - r.Down), S(r.SourceRunning - r.Down), r.CopiesAfterRejoin));
        }
        string M(Func<Round, double> f) => S(BenchStats.Median(results.Select(f).Select(x => double.IsNaN(x) ? double.PositiveInfinity : x)));
        Console.WriteLine($"\nmedians (s, from the kill; n = {results.Count}): offline in /nodes {M(r => r.Unreachable)}, declared down " +
            $"{M(r => r.Down)}, task ended {M(r => r.Ended)}, lock gone {M(r => r.Unlocked)}, config shows no lock {M(r => r.UnlockedApi)}, " +
            $"source running {M(r => r.SourceRunning)}; lock gone − declared down {M(r => r.Unlocked - r.Down)}, source running − " +
            $"declared down {M(r => r.SourceRunning - r.Down)}");
    }
}

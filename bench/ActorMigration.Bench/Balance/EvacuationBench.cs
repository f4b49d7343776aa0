using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ActorMigration.TestSupport;

namespace ActorMigration.Bench.Balance;

/// <summary>
/// Emptying node1 of 20 running VMs (3 nodes, one member in process, simulated driver with a link on which one migration
/// takes about 1.5 s): maintenance mode (the evacuation, paced by the default limits: 2 outbound per node, 5 per cluster)
/// against Proxmox's sequential <c>migrateall target=node2 maxworkers=1</c>, alternated round by round, each round on a
/// fresh member.
/// </summary>
public static class EvacuationBench
{
    public enum Kind { Maintenance, MigrateAllSequential }

    /// <param name="Seconds">From the POST until the task ended and node1 listed no VM.</param>
    /// <param name="MigrationSeconds">Mean time one child migration ran once it had its queue slot (from its log, s resolution).</param>
    public sealed record Round(int Index, Kind Kind, double Seconds, string ExitStatus, int ToNode2, int ToNode3, int LeftOnNode1,
        double MigrationSeconds);

    public const int Vms = 20;
    public const int MemoryMiB = 512;
    public const string Link = "400M";

    public static async Task<List<Round>> Run(int rounds)
    {
        var results = new List<Round>();
        for (var i = 0; i < rounds; i++)
            foreach (var kind in new[] { Kind.Maintenance, Kind.MigrateAllSequential })
            {
                var r = await RunRound(i + 1, kind);
                results.Add(r);
                Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} round {r.Index} {r.Kind}: {r.Seconds:F1} s, {r.ExitStatus}, node2 {r.ToNode2}, " +
                    $"node3 {r.ToNode3}, left {r.LeftOnNode1}, one migration {r.MigrationSeconds:F1} s");
            }
        return results;
    }

    private static async Task<Round> RunRound(int index, Kind kind)
    {
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["AM_SIM_SPEED_FACTOR"] = "1",
            ["AM_SIM_LINK_BANDWIDTH"] = Link,
        });
        var c = server.Client;
        var ids = Enumerable.Range(300, Vms).ToList();
        await Task.WhenAll(ids.Select(async id =>
        {
            await Ok(c, await c.Upid(c.Post("/nodes/node1/qemu", ("vmid", id.ToString()), ("memory", MemoryMiB.ToString()))));
            await Ok(c, await c.Upid(c.Post($"/nodes/node1/qemu/{id}/status/start")));
        }));

        var sw = Stopwatch.StartNew();
        var upid = kind == Kind.Maintenance
            ? await c.Upid(c.Post("/nodes/node1/maintenance", ("enable", "1")))
            : await c.Upid(c.Post("/nodes/node1/migrateall", ("target", "node2"), ("maxworkers", "1")));
        var exit = await WaitEnded(c, upid);
        while ((await OnNode(c, "node1")).Count > 0 && sw.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(50);
        var seconds = sw.Elapsed.TotalSeconds;

        var children = new List<double>();
        foreach (var t in (await c.Get("/nodes/node1/tasks", ("typefilter", "qmigrate"), ("limit", "100"))).Data!.AsArray())
            children.Add(Migrating(await c.Log(t!["upid"]!.GetValue<string>())));
        return new Round(index, kind, seconds, exit, (await OnNode(c, "node2")).Count(ids.Contains), (await OnNode(c, "node3")).Count(ids.Contains),
            (await OnNode(c, "node1")).Count, children.Count == 0 ? double.NaN : children.Average());
    }

    /// <summary>Seconds a migration ran after its queue slot: its logged duration minus its logged wait for the slot.</summary>
    private static double Migrating(IReadOnlyList<string> log)
    {
        double Logged(string pattern) => log.Select(l => Regex.Match(l, pattern)).FirstOrDefault(m => m.Success) is { } m
            ? TimeSpan.ParseExact(m.Groups[1].Value, @"hh\:mm\:ss", CultureInfo.InvariantCulture).TotalSeconds
            : 0;
        return Logged(@"finished successfully \(duration (\d\d:\d\d:\d\d)\)") - Logged(@"slot granted after (\d\d:\d\d:\d\d)");
    }

    private static async Task Ok(PveClient c, string upid)
    {
        var exit = await c.Wait(upid, TimeSpan.FromSeconds(120));
        if (exit != "OK") throw new InvalidOperationException($"{upid}: {exit}");
    }

    /// <summary>Polls the task's status every 50 ms; its exit status.</summary>
    private static async Task<string> WaitEnded(PveClient c, string upid)
    {
        var node = upid.Split(':')[1];
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (DateTime.UtcNow < until)
        {
            var r = await c.Get($"/nodes/{node}/tasks/{upid}/status");
            if (r.Status == HttpStatusCode.OK && r.Data!["status"]!.GetValue<string>() == "stopped") return r.Data["exitstatus"]!.GetValue<string>();
            await Task.Delay(50);
        }
        throw new TimeoutException($"{upid} did not end within 5 min");
    }

    private static async Task<List<int>> OnNode(PveClient c, string node) =>
        (await c.Get($"/nodes/{node}/qemu")).Data!.AsArray().Select(v => v!["vmid"]!.GetValue<int>()).ToList();
}

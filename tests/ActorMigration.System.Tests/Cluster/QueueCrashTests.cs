using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace ActorMigration.SystemTests.Cluster;

/// <summary>
/// Three members on one PostgreSQL journal, one node each, limits <c>cluster=2,outbound=1</c>, six migrations queued
/// between node2 and node3; member1 (the oldest: it hosts the queue singleton) is killed with kill -9 mid-queue. Every
/// queued task ends OK, each VM has exactly one <c>qmigrate</c> task, and the simulated driver never ran more than the limits.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class QueueCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_queue_singletons_member_mid_queue_loses_no_task_starts_none_twice_and_keeps_the_limits()
    {
        // 128 MiB at 1 MiB/s (× 20): a migration takes about 6 s, so the queue holds some while member1 dies.
        await using var three = await ThreeMembers.StartAsync(speed: "20",
            env: new Dictionary<string, string> { ["AM_SIM_LINK_BANDWIDTH"] = "1M", ["AM_SIM_DIRTY_RATE"] = "16K" });
        try
        {
            await Run(three[0], three[1], three[2]);
        }
        catch
        {
            foreach (var m in three.Members)
                output.WriteLine($"--- member on {m.HttpPort}:\n" + string.Join('\n', m.ReadLog().Split('\n').TakeLast(60)));
            throw;
        }
    }

    private static async Task Run(MemberProcess m1, MemberProcess m2, MemberProcess m3)
    {
        var c2 = m2.Client;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await c2.Put("/cluster/options", ("migration-limits", "cluster=2,outbound=1"))).Status);
        var vms = new List<(int VmId, string From, string To, PveClient C)>();
        for (var i = 0; i < 6; i++)
        {
            var (from, to, c) = i % 2 == 0 ? ("node2", "node3", c2) : ("node3", "node2", m3.Client);
            var vmid = 500 + i;
            Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/{from}/qemu", ("vmid", vmid.ToString()), ("memory", "128")))));
            Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/{from}/qemu/{vmid}/status/start"))));
            vms.Add((vmid, from, to, c));
        }
        var sourceOf = vms.ToDictionary(v => v.VmId, v => v.From);
        var upids = new List<string>();
        foreach (var v in vms) upids.Add(await v.C.Upid(v.C.Post($"/nodes/{v.From}/qemu/{v.VmId}/migrate", ("target", v.To), ("online", "1"))));

        var violations = new ConcurrentBag<string>();
        var maxIncoming = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var incoming = Incoming([m2.DataDir, m3.DataDir], sourceOf);
                maxIncoming = Math.Max(maxIncoming, incoming.Values.Sum());
                if (incoming.Values.Sum() > 2) violations.Add($"{incoming.Values.Sum()} incoming");
                foreach (var (n, c) in incoming.Where(kv => kv.Value > 1)) violations.Add($"{c} out of {n}");
                await Task.Delay(50);
            }
        });

        // Mid-queue: two run, four wait.
        await PveClient.Eventually(async () => (await c2.Get("/cluster/migrations")).Data is { } q
            && q["running"]!.AsArray().Count == 2 && q["queued"]!.AsArray().Count == 4, TimeSpan.FromSeconds(30), "two running, four queued");
        m1.Kill9();

        foreach (var u in upids) Assert.Equal("OK", await c2.Wait(u, TimeSpan.FromSeconds(150)));
        await stop.CancelAsync();
        await sampler;
        Assert.Empty(violations);
        Assert.InRange(maxIncoming, 1, 2);

        // Each VM was migrated by exactly one task, now on its target.
        foreach (var v in vms)
        {
            var tasks = new List<string>();
            await PveClient.Eventually(async () =>
            {
                tasks.Clear();
                foreach (var node in new[] { "node2", "node3" })
                    tasks.AddRange((await c2.Get($"/nodes/{node}/tasks", ("vmid", v.VmId.ToString()), ("typefilter", "qmigrate"), ("source", "all")))
                        .Data!.AsArray().Select(t => t!["upid"]!.GetValue<string>()));
                return tasks.Count > 0;
            }, TimeSpan.FromSeconds(20), $"VM {v.VmId}'s migration task listed");
            Assert.Single(tasks);
            Assert.Equal("running", (await c2.Get($"/nodes/{v.To}/qemu/{v.VmId}/status/current")).Data!["status"]!.GetValue<string>());
        }
        var waited = 0;
        foreach (var u in upids)
            if ((await c2.Log(u)).Any(l => l.Contains("migration slot granted after "))) waited++;
        Assert.True(waited >= 4, $"only {waited} tasks waited");
        await PveClient.Eventually(async () => (await c2.Get("/cluster/migrations")).Data is { } q
            && q["running"]!.AsArray().Count == 0 && q["queued"]!.AsArray().Count == 0, TimeSpan.FromSeconds(30), "the queue empties");
    }

    /// <summary>Incoming migrations per source node: target VM files of the simulated driver in state in-migrate.</summary>
    private static Dictionary<string, int> Incoming(IEnumerable<string> dataDirs, IReadOnlyDictionary<int, string> sourceOf)
    {
        var counts = new Dictionary<string, int>();
        foreach (var dir in dataDirs.Select(d => Path.Combine(d, "run")).Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories).Where(p => p.Contains("/sim/vms/")))
            {
                JsonNode? vm;
                try
                {
                    vm = JsonNode.Parse(File.ReadAllText(file));
                }
                catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
                {
                    continue;
                }
                if (vm?["state"]?.GetValue<string>() == "in-migrate" && vm["vmId"]?.GetValue<int>() is { } id && sourceOf.TryGetValue(id, out var src))
                    counts[src] = counts.GetValueOrDefault(src) + 1;
            }
        return counts;
    }
}

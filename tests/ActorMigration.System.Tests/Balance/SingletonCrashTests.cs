using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Balance;

/// <summary>
/// Issue 15, "kill -9 the singleton's member mid-plan" and "a member crash mid-queue loses no queued task and starts none
/// twice": three members on PostgreSQL, limits <c>cluster=2,outbound=1</c>. m1 (the oldest) hosts every singleton
/// (rebalancer, migration queue, cluster configuration); node1 is put in maintenance first, so no move leaves or targets
/// it. A rebalance plan moves 4 VMs node2 → node3 while users migrate 2 VMs node3 → node2; m1 dies with kill -9 while two
/// migrations run and four wait. The plan ends ok, every task ends OK, each moved VM has exactly one <c>qmigrate</c> task and
/// runs once, on its target (the simulated driver's files), and neither the queue nor the driver ever ran more than the limits.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class SingletonCrashTests(ITestOutputHelper output)
{
    private const int Moves = 4;

    [Fact]
    public async Task Kill_9_of_the_singletons_member_mid_plan_completes_the_plan_and_runs_each_migration_once_within_the_limits()
    {
        // 128 MiB at 2 MiB/s (× 20): a migration takes about 3 s, so the queue holds some while m1 dies. 4 GiB nodes make
        // one 128 MiB VM 3 % of a node: the 8 VMs node2 holds more than node3 are a score of 0.0625.
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var three = await ThreeMembers.StartAsync(speed: "20", env: new Dictionary<string, string>
        {
            ["AM_SIM_LINK_BANDWIDTH"] = "2M", ["AM_SIM_DIRTY_RATE"] = "16K", ["AM_SIM_MAX_MEM"] = "4G",
        });
        output.WriteLine($"three members up in {started.Elapsed.TotalSeconds:0.0} s");
        try
        {
            await Run(three);
        }
        catch
        {
            foreach (var m in three.Members)
                output.WriteLine($"--- member on {m.HttpPort}:\n" + string.Join('\n', m.ReadLog().Split('\n').TakeLast(80)));
            throw;
        }
    }

    private async Task Run(ThreeMembers three)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Mark(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {what}");
        var (m1, m2, m3) = (three[0], three[1], three[2]);
        var c = m2.Client;
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post("/nodes/node1/maintenance", ("enable", "1")))));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await c.Put("/cluster/options", ("migration-limits", "cluster=2,outbound=1"))).Status);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await c.Put("/cluster/rebalance/options", ("threshold", "0.02"), ("target", "0.01"),
            ("min-gain", "0"), ("sample-interval", "1"), ("smoothing", "0"))).Status);
        var onNode2 = Enumerable.Range(500, 10).ToList();
        int[] users = [520, 521];
        await Task.WhenAll(onNode2.Select(v => Running(c, "node2", v)).Concat(users.Select(v => Running(m3.Client, "node3", v))));
        Mark("VMs running");
        // The dry run once every VM counts with its measured use (memory as configured, no CPU), then the plan with its digest.
        JsonNode dry = null!;
        await PveClient.Eventually(async () =>
        {
            dry = (await c.Get("/cluster/rebalance/plan")).Data!;
            var nodes = dry["nodes"]!.AsArray().ToDictionary(n => n!["node"]!.GetValue<string>(), n => n!);
            bool Is(string node, double mem) => Math.Abs(nodes[node]["mem"]!.GetValue<double>() - mem) < 1e-9 && nodes[node]["cpu"]!.GetValue<double>() == 0;
            return Is("node2", 0.3125) && Is("node3", 0.0625);
        }, TimeSpan.FromSeconds(30), "every VM's usage warm");
        Mark(dry.ToJsonString());
        Assert.Equal(Enumerable.Range(500, Moves), dry["moves"]!.AsArray().Select(m => m!["vmid"]!.GetValue<int>()).Order());
        var digest = dry["digest"]!.GetValue<string>();
        var apply = await c.Post("/cluster/rebalance", ("digest", digest));
        Assert.Equal(System.Net.HttpStatusCode.OK, apply.Status);
        var upids = apply.Data!.AsArray().Select(u => u!.GetValue<string>()).ToList();
        var active = (await c.Get("/cluster/rebalance")).Data!["active"]!;
        var plan = active["moves"]!.AsArray().Select(m => (VmId: m!["vmid"]!.GetValue<int>(), From: m["from"]!.GetValue<string>(),
            To: m["to"]!.GetValue<string>(), Upid: m["upid"]!.GetValue<string>())).ToList();
        Assert.Equal(upids.Order(), plan.Select(m => m.Upid).Order());
        Assert.All(plan, m => Assert.Equal(("node2", "node3"), (m.From, m.To)));
        Assert.Equal(Moves, plan.Select(m => m.VmId).Distinct().Count());

        var userUpids = new List<string>();
        foreach (var vmid in users)
            userUpids.Add(await m3.Client.Upid(m3.Client.Post($"/nodes/node3/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"))));
        var targetOf = plan.ToDictionary(m => m.VmId, m => m.To);
        foreach (var vmid in users) targetOf[vmid] = "node2";

        var sourceOf = onNode2.Select(v => (v, "node2")).Concat(users.Select(v => (v, "node3"))).ToDictionary(x => x.v, x => x.Item2);
        await using var sampler = new LimitSampler(c, [m2.DataDir, m3.DataDir], sourceOf);
        // Mid-plan and mid-queue: one rebalance move and one user migration run, three moves and one user migration wait.
        List<string> queued = [];
        await PveClient.Eventually(async () => (await c.Get("/cluster/migrations")).Data is { } q
            && Classes(q["running"]) == "rebalance,user" && Classes(q["queued"]) == "rebalance,rebalance,rebalance,user"
            && (queued = [.. q["queued"]!.AsArray().Where(e => e!["class"]!.GetValue<string>() == "rebalance").Select(e => e!["upid"]!.GetValue<string>())])
                .Count > 0,
            TimeSpan.FromSeconds(30), "two running (rebalance, user), four queued");
        m1.Kill9();
        Mark("m1 killed");

        foreach (var u in upids.Concat(userUpids)) Assert.Equal("OK", await c.Wait(u, TimeSpan.FromSeconds(150)));
        Mark("every task ended");
        await PveClient.Eventually(async () => (await c.Get("/cluster/rebalance")).Data!["active"] is null, TimeSpan.FromSeconds(20), "the plan ends");
        var history = (await c.Get("/cluster/rebalance")).Data!["history"]!.AsArray();
        var ended = Assert.Single(history)!;
        Assert.Equal(("ok", Moves, 0), (ended["status"]!.GetValue<string>(), ended["moves"]!.GetValue<int>(), ended["failed"]!.GetValue<int>()));
        await PveClient.Eventually(async () => (await c.Get("/cluster/migrations")).Data is { } q
            && q["running"]!.AsArray().Count == 0 && q["queued"]!.AsArray().Count == 0, TimeSpan.FromSeconds(30), "the queue empties");
        var violations = await sampler.StopAsync();
        Mark($"the queue is empty; sampler: {sampler.Describe()}");
        Assert.Empty(violations);
        // FIFO per priority across the failover: the waiting moves were granted in the order the old queue listed them.
        Assert.Equal(queued, sampler.Granted.Where(queued.Contains));
        Assert.InRange(sampler.MaxIncoming, 1, 2);

        // Each VM: one qmigrate task if it was moved, none otherwise; it runs once, where it should (the driver's files).
        foreach (var vmid in onNode2.Concat(users))
        {
            var want = targetOf.ContainsKey(vmid) ? 1 : 0;
            var tasks = new List<string>();
            await PveClient.Eventually(async () => (tasks = await MigrateTasks(c, vmid)).Count >= want, TimeSpan.FromSeconds(20),
                $"VM {vmid}'s migration task listed");
            Assert.True(tasks.Count == want, $"VM {vmid}: {tasks.Count} qmigrate tasks ({string.Join(", ", tasks)})");
            var at = targetOf.GetValueOrDefault(vmid, "node2");
            Assert.Equal([at], RunningOn(three, vmid));
            Assert.Equal("running", (await c.Get($"/nodes/{at}/qemu/{vmid}/status/current")).Data!["status"]!.GetValue<string>());
        }
        var waited = 0;
        foreach (var u in upids.Concat(userUpids))
            if ((await c.Log(u)).Any(l => l.Contains("migration slot granted after ", StringComparison.Ordinal))) waited++;
        Assert.True(waited >= 4, $"only {waited} tasks waited");
    }

    private static string Classes(JsonNode? entries) =>
        string.Join(',', entries!.AsArray().Select(e => e!["class"]!.GetValue<string>()).Order(StringComparer.Ordinal));

    private static async Task<int> Running(PveClient c, string node, int vmid)
    {
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/{node}/qemu", ("vmid", vmid.ToString()), ("memory", "128")))));
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/{node}/qemu/{vmid}/status/start"))));
        return vmid;
    }

    /// <summary>The VM's qmigrate tasks over every node's task list (node1's member is dead: its node answers or is skipped).</summary>
    private static async Task<List<string>> MigrateTasks(PveClient c, int vmid)
    {
        var tasks = new List<string>();
        foreach (var node in ThreeMembers.Nodes)
        {
            var r = await c.Get($"/nodes/{node}/tasks", ("vmid", vmid.ToString()), ("typefilter", "qmigrate"), ("source", "all"), ("limit", "0"));
            if (r.Status != System.Net.HttpStatusCode.OK && node == "node1") continue;
            Assert.True(r.Status == System.Net.HttpStatusCode.OK, $"/nodes/{node}/tasks: {r}");
            tasks.AddRange(r.Data!.AsArray().Select(t => t!["upid"]!.GetValue<string>()));
        }
        return [.. tasks.Distinct()];
    }

    /// <summary>The nodes where the VM's simulated copy runs (not stopped, not waiting for an incoming migration).</summary>
    private static IReadOnlyList<string> RunningOn(ThreeMembers three, int vmid) =>
        [.. ThreeMembers.Nodes.Where(n =>
            Reality.SimVmState(three.Hosting(n).DataDir, n, vmid) is { } s && s.Equals("Running", StringComparison.OrdinalIgnoreCase))];

    /// <summary>
    /// Every 50 ms: the simulated driver's incoming VMs per source node (files in state in-migrate) and, when the API
    /// answers, <c>GET /cluster/migrations</c>'s running entries; more than 2 in all or 1 out of a node is a violation.
    /// </summary>
    private sealed class LimitSampler : IAsyncDisposable
    {
        private readonly ConcurrentBag<string> _violations = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _files, _queue;
        private readonly List<string> _granted = [];
        private int _samples, _queueSamples;

        /// <summary>The UPIDs in the order the queue's running list first showed them.</summary>
        public IReadOnlyList<string> Granted => _granted;

        public int MaxIncoming { get; private set; }

        public LimitSampler(PveClient c, IReadOnlyList<string> dataDirs, IReadOnlyDictionary<int, string> sourceOf)
        {
            _files = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    Check("driver", Incoming(dataDirs, sourceOf));
                    _samples++;
                    await Task.Delay(50);
                }
            });
            _queue = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        if ((await c.Get("/cluster/migrations")).Data?["running"] is JsonArray running)
                        {
                            Check("queue", running.GroupBy(e => e!["node"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count()));
                            foreach (var upid in running.Select(e => e!["upid"]!.GetValue<string>()).Where(u => !_granted.Contains(u))) _granted.Add(upid);
                            _queueSamples++;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                    {
                    }
                    await Task.Delay(50);
                }
            });
        }

        private void Check(string who, Dictionary<string, int> bySource)
        {
            var all = bySource.Values.Sum();
            if (who == "driver") MaxIncoming = Math.Max(MaxIncoming, all);
            if (all > 2) _violations.Add($"{who}: {all} running");
            foreach (var (n, k) in bySource.Where(kv => kv.Value > 1)) _violations.Add($"{who}: {k} out of {n}");
        }

        public string Describe() => $"{_samples} driver samples, {_queueSamples} queue samples, at most {MaxIncoming} incoming";

        public async Task<IReadOnlyList<string>> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_files, _queue);
            return [.. _violations];
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested) await StopAsync();
            _stop.Dispose();
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
}

using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Balance;

/// <summary>One member on the simulated driver with a slow link, so that migrations overlap long enough to queue.</summary>
public sealed class SlowLinkFixture : IAsyncLifetime
{
    public InProcessServer Server { get; private set; } = null!;
    private int _nextVmid = 400;

    public int NextVmId() => Interlocked.Increment(ref _nextVmid);

    public async Task InitializeAsync() => Server = await InProcessServer.StartAsync(new Dictionary<string, string?>
    {
        ["AM_SIM_LINK_BANDWIDTH"] = "4M",
        ["AM_SIM_DIRTY_RATE"] = "64K",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Migration limits and the queue over the API: 12 migrations at once never run beyond the limits (as the queue and
/// the simulated driver see it), every waiting task shows <c>queued (n ahead)</c> in its status and log and ends OK;
/// a queued task aborted leaves the queue unlocked; limits set with PUT /cluster/options take effect.
/// </summary>
public sealed class LimitsApiTests(SlowLinkFixture f) : IClassFixture<SlowLinkFixture>
{
    private PveClient C => f.Server.Client;

    private async Task<int> RunningVm(string node)
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/{node}/qemu", ("vmid", vmid.ToString()), ("memory", "256")))));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/{node}/qemu/{vmid}/status/start"))));
        return vmid;
    }

    private Task<string> Migrate(string node, int vmid, string target) =>
        C.Upid(C.Post($"/nodes/{node}/qemu/{vmid}/migrate", ("target", target), ("online", "1")));

    private async Task<JsonNode> Queue() => (await C.Get("/cluster/migrations")).Data!;

    /// <summary>Incoming migrations per source node as the simulated driver holds them (target VM files in state in-migrate).</summary>
    private Dictionary<string, int> Incoming(IReadOnlyDictionary<int, string> sourceOf)
    {
        var counts = new Dictionary<string, int>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(f.Server.DataDir, "run"), "*.json", SearchOption.AllDirectories)
                     .Where(p => p.Contains($"{Path.DirectorySeparatorChar}sim{Path.DirectorySeparatorChar}vms{Path.DirectorySeparatorChar}")))
        {
            JsonNode? vm;
            try
            {
                vm = JsonNode.Parse(File.ReadAllText(file));
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
            {
                continue; // being rewritten
            }
            if (vm?["state"]?.GetValue<string>() != "in-migrate" || vm["vmId"]?.GetValue<int>() is not { } id || !sourceOf.TryGetValue(id, out var src))
                continue;
            counts[src] = counts.GetValueOrDefault(src) + 1;
        }
        return counts;
    }

    [Fact]
    public async Task Twelve_migrations_at_once_never_exceed_the_default_limits_and_every_queued_task_shows_its_position()
    {
        var plan = new List<(string From, string To)>();
        plan.AddRange(Enumerable.Range(0, 6).Select(i => ("node1", i % 2 == 0 ? "node2" : "node3")));
        plan.AddRange(Enumerable.Repeat(("node2", "node3"), 3));
        plan.AddRange(Enumerable.Repeat(("node3", "node1"), 3));
        var vms = new List<(int VmId, string From, string To)>();
        foreach (var (from, to) in plan) vms.Add((await RunningVm(from), from, to));
        var sourceOf = vms.ToDictionary(v => v.VmId, v => v.From);

        var upids = await Task.WhenAll(vms.Select(v => Migrate(v.From, v.VmId, v.To)));
        var phases = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        var violations = new ConcurrentBag<string>();
        int maxRunning = 0, maxIncoming = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var q = await Queue();
                var running = q["running"]!.AsArray().Select(e => e!["node"]!.GetValue<string>()).ToList();
                maxRunning = Math.Max(maxRunning, running.Count);
                if (running.Count > 5) violations.Add($"queue: {running.Count} running");
                foreach (var g in running.GroupBy(n => n).Where(g => g.Count() > 2)) violations.Add($"queue: {g.Count()} out of {g.Key}");
                var incoming = Incoming(sourceOf);
                maxIncoming = Math.Max(maxIncoming, incoming.Values.Sum());
                if (incoming.Values.Sum() > 5) violations.Add($"driver: {incoming.Values.Sum()} incoming");
                foreach (var (n, c) in incoming.Where(kv => kv.Value > 2)) violations.Add($"driver: {c} out of {n}");
                foreach (var upid in upids)
                {
                    var s = await C.Get($"/nodes/{upid.Split(':')[1]}/tasks/{upid}/status");
                    if (s.Data?["phase"]?.GetValue<string>() is { } phase) phases.GetOrAdd(upid, _ => []).Add(phase);
                }
                await Task.Delay(50);
            }
        });

        foreach (var upid in upids) Assert.Equal("OK", await C.Wait(upid, TimeSpan.FromSeconds(90)));
        await stop.CancelAsync();
        await sampler;

        Assert.Empty(violations);
        Assert.Equal(5, maxRunning); // the limit was reached, so the check above could fail
        Assert.InRange(maxIncoming, 2, 5);
        var waited = 0;
        foreach (var upid in upids)
        {
            var log = await C.Log(upid);
            if (!log.Any(l => l.Contains("migration slot granted after "))) continue;
            waited++;
            Assert.Contains(log, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"queued \(\d+ ahead\)$"));
            Assert.Contains(phases[upid], p => System.Text.RegularExpressions.Regex.IsMatch(p, @"^queued \(\d+ ahead\)$"));
        }
        Assert.True(waited >= 7, $"only {waited} tasks waited"); // 12 at once, 5 at most run
        Assert.Empty((await Queue())["queued"]!.AsArray());
        Assert.Empty((await Queue())["running"]!.AsArray());
    }

    [Fact]
    public async Task Limits_from_cluster_options_apply_and_an_aborted_queued_task_leaves_the_queue_unlocked()
    {
        Assert.Equal(HttpStatusCode.OK, (await C.Put("/cluster/options", ("migration-limits", "cluster=1,outbound=1"))).Status);
        try
        {
            var a = await RunningVm("node1");
            var b = await RunningVm("node2");
            var c = await RunningVm("node3");
            var upids = new[] { await Migrate("node1", a, "node2"), await Migrate("node2", b, "node3"), await Migrate("node3", c, "node1") };
            JsonNode q = null!;
            await PveClient.Eventually(async () =>
            {
                q = await Queue();
                return q["running"]!.AsArray().Count == 1 && q["queued"]!.AsArray().Count == 2;
            }, what: "one running, two queued");
            Assert.Equal(1, q["limits"]!["cluster"]!.GetValue<int>());
            Assert.Equal([0, 1], q["queued"]!.AsArray().Select(e => e!["ahead"]!.GetValue<int>()));

            // the last queued one is aborted while it waits
            var last = q["queued"]!.AsArray()[^1]!;
            var (upid, vmid, node) = (last["upid"]!.GetValue<string>(), last["vmid"]!.GetValue<int>(), last["node"]!.GetValue<string>());
            await PveClient.Eventually(async () =>
                (await C.Get($"/nodes/{node}/tasks/{upid}/status")).Data!["phase"]!.GetValue<string>() == "queued (1 ahead)",
                what: "the task shows its position");
            Assert.Equal(HttpStatusCode.OK, (await C.Delete($"/nodes/{node}/tasks/{upid}")).Status);
            Assert.Equal("migration aborted", await C.Wait(upid));
            Assert.DoesNotContain((await Queue())["queued"]!.AsArray(), e => e!["upid"]!.GetValue<string>() == upid);
            Assert.Null((await C.Get($"/nodes/{node}/qemu/{vmid}/config")).Data!["lock"]);
            Assert.Contains(await C.Log(upid), l => l.Contains("ERROR: migration aborted") && l.EndsWith("received interrupt"));
            Assert.Contains(await C.Log(upid), l => l.EndsWith("queued (1 ahead)"));

            // the others run one after the other
            foreach (var other in upids.Where(u => u != upid)) Assert.Equal("OK", await C.Wait(other));
            var granted = 0;
            foreach (var other in upids.Where(u => u != upid))
                if ((await C.Log(other)).Any(l => l.Contains("migration slot granted after "))) granted++;
            Assert.Equal(1, granted); // the one that waited behind the first
        }
        finally
        {
            await C.Put("/cluster/options", ("delete", "migration-limits"));
        }
    }
}

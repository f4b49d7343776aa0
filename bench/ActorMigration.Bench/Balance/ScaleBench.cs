using System.Diagnostics;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Vms;
using ActorMigration.TestSupport;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static ActorMigration.Bench.Balance.ScaleProbes;

namespace ActorMigration.Bench.Balance;

/// <summary>
/// One member in process with its HTTP API (<see cref="InProcessServer"/>, SQLite, simulated driver) hosting
/// node1..nodeN; V VM records spread evenly over the nodes; M of them running (M/N per node) and migrated online to the
/// next node, all M requests posted at once through the API with <c>migration-limits</c> raised so that all M run at once.
/// </summary>
public static class ScaleBench
{
    public sealed record Result(int Nodes, int Vms, int Migrations, string Limits, double CreateSeconds, double StartSeconds,
        double SubmitSeconds, double AllEndedSeconds, int Ok, IReadOnlyList<string> NotOk, int LateStarts, int PeakRunning, int PeakQueued,
        long RssIdle, long RssPeak, long RssEnd, Latency Idle, Latency During, Latency EndWritten, Latency EndListed,
        long OffsetBehindMax, double OffsetBehindMedian, int ListedAfterOneSecond);

    public const int MemoryMiB = 256;
    public const int StartTimeoutMs = 120_000;
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(15);

    public static async Task<Result> Run(int nodeCount, int vmCount, int migrations)
    {
        var nodes = Enumerable.Range(1, nodeCount).Select(i => $"node{i}").ToArray();
        // Production's poll interval (500 ms), real time in the simulated driver, its default 125 MB/s link: a 256 MiB
        // guest's memory moves in about 2 s.
        await using var server = await InProcessServer.StartAsync(new Dictionary<string, string?>
        {
            ["AM_NODES"] = string.Join(',', nodes),
            ["AM_POLL_MS"] = "500",
            ["AM_SIM_SPEED_FACTOR"] = "1",
            // A POST waits this long for its task to take the VM lock before it asks the task (default 15 s).
            ["AM_TASK_START_TIMEOUT_MS"] = StartTimeoutMs.ToString(),
        });
        var registry = server.Services.GetRequiredService<ActorRegistry>();
        var vms = registry.Get<VirtualMachineRegion>();
        var nodeRegion = registry.Get<HypervisorNodeRegion>();
        var tasks = registry.Get<TaskRouter>();
        var readModel = registry.Get<ClusterReadModel>();
        // The test client gives up after 60 s; a POST may wait for its task longer here.
        var c = new PveClient(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}"), Timeout = TimeSpan.FromMinutes(5) }, server.Token);
        var log = (string s) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {s}");

        // VM records through the VM actors, 250 at a time (what the create workflow's record step does; these VMs have no disks).
        string Config(int id) => $"memory: {MemoryMiB}\nname: scale{id}\n";
        string NodeOf(int i) => nodes[i % nodeCount];
        var sw = Stopwatch.StartNew();
        foreach (var batch in Enumerable.Range(0, vmCount).Chunk(250))
            await Task.WhenAll(batch.Select(async i =>
            {
                var r = await vms.Ask<VmReply>(new CreateVm(1000 + i, NodeOf(i), Config(1000 + i)), TimeSpan.FromSeconds(120));
                if (!r.Ok) throw new InvalidOperationException($"VM {1000 + i}: {r.Error}");
            }));
        var createSeconds = sw.Elapsed.TotalSeconds;
        log($"{vmCount} VM records in {createSeconds:F1} s");

        // The migrating VMs: the first M indexes (round robin over the nodes), started on their node as a start task's step does.
        var moving = Enumerable.Range(0, migrations).Select(i => (VmId: 1000 + i, From: NodeOf(i), To: nodes[(i + 1) % nodeCount])).ToList();
        sw.Restart();
        foreach (var batch in moving.Chunk(100))
            await Task.WhenAll(batch.Select(m => nodeRegion.Ask<Domain.Workflows.VmStarted>(new NodeStep(m.From,
                new Domain.Workflows.StartVm("start", m.From, m.VmId, Config(m.VmId), null, "bench")), TimeSpan.FromSeconds(120))));
        var startSeconds = sw.Elapsed.TotalSeconds;
        log($"{migrations} VMs started in {startSeconds:F1} s");

        var outbound = (migrations + nodeCount - 1) / nodeCount;
        var limits = $"cluster={migrations},outbound={outbound}";
        var put = await c.Put("/cluster/options", ("migration-limits", limits));
        if (put.Status != System.Net.HttpStatusCode.OK) throw new InvalidOperationException($"limits: {put}");
        await PveClient.Eventually(async () => (await c.Get("/cluster/migrations")).Data?["limits"]?["cluster"]?.GetValue<int>() == migrations,
            TimeSpan.FromSeconds(30), "the queue has the raised limits");
        await PveClient.Eventually(async () => await readModel.Ask<ReadModelStatus>(new GetReadModelStatus()) is { CaughtUp: true } s && s.Vms == vmCount,
            TimeSpan.FromMinutes(2), "the read model lists every VM");

        GC.Collect();
        var rssIdle = Rss().Rss;
        var idle = await SampleResources(c, TimeSpan.FromMilliseconds(100), CancellationToken.None, count: 50);
        log($"idle: /cluster/resources p99 {Summarize(idle).P99:F0} ms; RSS {rssIdle >> 20} MiB");

        // All at once.
        using var stop = new CancellationTokenSource();
        var during = SampleResources(c, TimeSpan.FromMilliseconds(100), stop.Token);
        var offsets = SampleOffsetLag(Path.Combine(server.DataDir, "actormigration.db"), readModel, TimeSpan.FromMilliseconds(500), stop.Token);
        int peakRunning = 0, peakQueued = 0;
        var queue = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var q = (await c.Get("/cluster/migrations")).Data;
                peakRunning = Math.Max(peakRunning, q?["running"]?.AsArray().Count ?? 0);
                peakQueued = Math.Max(peakQueued, q?["queued"]?.AsArray().Count ?? 0);
                await Task.Delay(1000);
            }
        });
        var persisted = WatchPersistedEnds(server.Services.GetRequiredService<ActorSystem>());
        var started = DateTimeOffset.UtcNow;
        sw.Restart();
        var answers = await Task.WhenAll(moving.Select(m => Submit(c, m.From, m.VmId, m.To)));
        var submitSeconds = sw.Elapsed.TotalSeconds;
        var upids = answers.Select(a => a.Upid).ToArray();
        var lateStarts = answers.Count(a => a.Late);
        log($"{migrations} migrations answered in {submitSeconds:F1} s ({lateStarts} after the start timeout)");

        using var lagStop = new CancellationTokenSource(Deadline);
        var listed = await SampleListedEnds(readModel, upids.ToHashSet(), TimeSpan.FromMilliseconds(100), lagStop.Token);
        await stop.CancelAsync();
        var duringMs = await during;
        var behind = await offsets;
        await queue;
        log($"{listed.Count} of {migrations} ended in the read model");

        var notOk = new List<string>();
        var lastEnd = started;
        List<double> writeMs = [], listMs = [];
        foreach (var upid in upids)
        {
            var s = await tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), TimeSpan.FromSeconds(30));
            if (s.EndedAt is { } e && e > lastEnd) lastEnd = e;
            if (s.EndedAt is { } end && persisted.TryGetValue(upid, out var written))
            {
                writeMs.Add((written - end).TotalMilliseconds);
                if (listed.TryGetValue(upid, out var seen)) listMs.Add((seen - written).TotalMilliseconds);
            }
            if (s.Running || s.ExitStatus != "OK") notOk.Add($"{upid}: {(s.Running ? $"running ({s.Phase})" : s.ExitStatus)}");
        }
        var (rssEnd, rssPeak) = Rss();
        return new Result(nodeCount, vmCount, migrations, limits, createSeconds, startSeconds, submitSeconds, (lastEnd - started).TotalSeconds,
            migrations - notOk.Count, notOk, lateStarts, peakRunning, peakQueued, rssIdle, rssPeak, rssEnd, Summarize(idle), Summarize(duringMs),
            Summarize(writeMs), Summarize(listMs), behind.DefaultIfEmpty().Max(), BenchStats.Median(behind.Select(b => (double)b).DefaultIfEmpty()),
            listMs.Count(ms => ms > 1000));
    }

    /// <summary>
    /// POSTs one migration; its UPID. An answer after the start timeout (<c>got timeout - task '…' may still start</c>) is
    /// counted as late and its task is followed like the others (the bench counts at the end whether it ran).
    /// </summary>
    private static async Task<(string Upid, bool Late)> Submit(PveClient c, string from, int vmid, string to)
    {
        var r = await c.Post($"/nodes/{from}/qemu/{vmid}/migrate", ("target", to), ("online", "1"));
        if (r.Status == System.Net.HttpStatusCode.OK) return (r.Data!.GetValue<string>(), false);
        if (System.Text.RegularExpressions.Regex.Match(r.Reason ?? "", "^got timeout - task '([^']+)' may still start") is { Success: true } m)
            return (m.Groups[1].Value, true);
        throw new InvalidOperationException($"migration of {vmid}: {r}");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using ActorMigration.Actors.ReadModel;
using ActorMigration.TestSupport;
using Akka.Actor;
using Microsoft.Data.Sqlite;

namespace ActorMigration.Bench.Balance;

/// <summary>What the scale benchmark samples while it runs: RSS, API latency, the read model's lag.</summary>
public static class ScaleProbes
{
    public sealed record Latency(int Samples, double P50, double P99, double Max);

    /// <summary>The process's resident set (VmRSS) and its peak so far (VmHWM), in bytes, from /proc/self/status.</summary>
    public static (long Rss, long Peak) Rss()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kib(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kib(line);
        }
        return (rss, peak);

        static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public static Latency Summarize(IReadOnlyCollection<double> ms)
    {
        if (ms.Count == 0) return new Latency(0, double.NaN, double.NaN, double.NaN);
        var s = ms.Order().ToList();
        double At(double q) => s[Math.Min(s.Count - 1, (int)Math.Ceiling(q * s.Count) - 1)];
        return new Latency(s.Count, At(0.5), At(0.99), s[^1]);
    }

    /// <summary>
    /// Asks <c>GET /cluster/resources</c> one request after the other, one every <paramref name="period"/> at most (a slower
    /// answer is followed at once by the next request), until <paramref name="stop"/>; the latencies in ms.
    /// </summary>
    public static async Task<List<double>> SampleResources(PveClient client, TimeSpan period, CancellationToken stop, int? count = null)
    {
        var ms = new List<double>();
        while (!stop.IsCancellationRequested && (count is null || ms.Count < count))
        {
            var sw = Stopwatch.StartNew();
            var r = await client.Get("/cluster/resources");
            if (r.Status != System.Net.HttpStatusCode.OK) throw new InvalidOperationException($"/cluster/resources: {r.Status} {r.Reason}");
            ms.Add(sw.Elapsed.TotalMilliseconds);
            var rest = period - sw.Elapsed;
            if (rest > TimeSpan.Zero)
                try
                {
                    await Task.Delay(rest, stop);
                }
                catch (OperationCanceledException)
                {
                }
        }
        return ms;
    }

    /// <summary>
    /// Every <paramref name="period"/>: the read model's task list; for each task it shows ended for the first time, when
    /// it was seen. Up to one period of a lag measured from it is the sampling's.
    /// </summary>
    public static async Task<ConcurrentDictionary<string, DateTimeOffset>> SampleListedEnds(IActorRef readModel, ISet<string> upids, TimeSpan period,
        CancellationToken stop)
    {
        var lag = new ConcurrentDictionary<string, DateTimeOffset>();
        while (!stop.IsCancellationRequested)
        {
            var list = await readModel.Ask<TaskList>(new ListTasks(), TimeSpan.FromSeconds(30));
            var now = DateTimeOffset.UtcNow;
            foreach (var t in list.Tasks)
                if (t.EndedAt is not null && upids.Contains(t.Upid))
                    lag.TryAdd(t.Upid, now);
            if (lag.Count == upids.Count) break;
            try
            {
                await Task.Delay(period, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return lag;
    }

    /// <summary>
    /// Subscribes to the member's event stream: when each task's <c>TaskFinished</c> was persisted (the entity publishes every
    /// tagged event it persisted, <see cref="TaggedEventPersisted"/>); wall time by UPID.
    /// </summary>
    public static ConcurrentDictionary<string, DateTimeOffset> WatchPersistedEnds(ActorSystem system)
    {
        var at = new ConcurrentDictionary<string, DateTimeOffset>();
        var watcher = system.ActorOf(Props.Create(() => new PersistedEndWatcher(at)), "bench-persisted-ends");
        system.EventStream.Subscribe(watcher, typeof(TaggedEventPersisted));
        return at;
    }

    private sealed class PersistedEndWatcher : ReceiveActor
    {
        public PersistedEndWatcher(ConcurrentDictionary<string, DateTimeOffset> at) =>
            Receive<TaggedEventPersisted>(p =>
            {
                if (p.Event is Domain.Workflows.TaskFinished f) at.TryAdd(f.Upid, DateTimeOffset.UtcNow);
            });
    }

    /// <summary>
    /// Every <paramref name="period"/>: how many tagged journal rows the read model's tag offset is behind (the newest
    /// <c>tags.ordering_id</c> minus <see cref="ReadModelStatus.Offset"/>); the samples.
    /// </summary>
    public static async Task<List<long>> SampleOffsetLag(string sqliteFile, IActorRef readModel, TimeSpan period, CancellationToken stop)
    {
        var behind = new List<long>();
        await using var db = new SqliteConnection($"Data Source={sqliteFile};Mode=ReadOnly;Pooling=False");
        db.Open();
        while (!stop.IsCancellationRequested)
        {
            await using (var cmd = db.CreateCommand())
            {
                cmd.CommandText = "SELECT COALESCE(MAX(ordering_id), 0) FROM tags";
                var newest = (long)(await cmd.ExecuteScalarAsync())!;
                var status = await readModel.Ask<ReadModelStatus>(new GetReadModelStatus(), TimeSpan.FromSeconds(30));
                behind.Add(Math.Max(0, newest - status.Offset));
            }
            try
            {
                await Task.Delay(period, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return behind;
    }
}

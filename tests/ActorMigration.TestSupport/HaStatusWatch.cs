using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ActorMigration.TestSupport;

/// <summary>
/// Polls <c>GET /cluster/ha/status/current</c> on one member in the background (every 100 ms unless told otherwise) and
/// keeps each change of an entry (its status text, state and node) with the wall-clock time it was first seen.
/// </summary>
public sealed class HaStatusWatch : IAsyncDisposable
{
    /// <summary>An entry as first seen at <paramref name="At"/> (the answer's arrival).</summary>
    public sealed record Change(DateTime At, string Id, string? Status, string? State, string? Node)
    {
        public override string ToString() => $"{At:HH:mm:ss.fff} {Id}: status '{Status}', state '{State}', node '{Node}'";
    }

    private readonly PveClient _viewer;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Change> _changes = [];
    private readonly Dictionary<string, Change> _last = [];
    private readonly Lock _gate = new();
    private readonly Task _loop;

    public HaStatusWatch(PveClient viewer, TimeSpan? interval = null)
    {
        _viewer = viewer;
        _interval = interval ?? TimeSpan.FromMilliseconds(100);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>How many answers were read.</summary>
    public int Samples { get; private set; }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var r = await _viewer.Get("/cluster/ha/status/current");
                if (r.Status == HttpStatusCode.OK && r.Data is JsonArray entries) Record(DateTime.UtcNow, entries);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The viewer is busy or restarting: the next round asks again.
            }
            try
            {
                await Task.Delay(_interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Record(DateTime at, JsonArray entries)
    {
        lock (_gate)
        {
            Samples++;
            foreach (var e in entries.OfType<JsonObject>())
            {
                var c = new Change(at, Text(e, "id") ?? "", Text(e, "status"), Text(e, "state"), Text(e, "node"));
                if (_last.TryGetValue(c.Id, out var prev) && prev with { At = at } == c) continue;
                _last[c.Id] = c;
                _changes.Add(c);
            }
        }
    }

    private static string? Text(JsonObject e, string key) => e[key] is JsonValue v ? v.ToString() : null;

    /// <summary>The changes of one entry (e.g. <c>lrm:node3</c>, <c>service:vm:100</c>) in order.</summary>
    public IReadOnlyList<Change> Of(string id)
    {
        lock (_gate) return [.. _changes.Where(c => c.Id == id)];
    }

    /// <summary>When the entry first matched, null if never.</summary>
    public DateTime? First(string id, Func<Change, bool> match) => Of(id).FirstOrDefault(match)?.At;

    /// <summary>The values one field took, consecutive repeats merged (nulls left out).</summary>
    public IReadOnlyList<string> Sequence(string id, Func<Change, string?> field)
    {
        var seq = new List<string>();
        foreach (var v in Of(id).Select(field).OfType<string>())
            if (seq.Count == 0 || seq[^1] != v) seq.Add(v);
        return seq;
    }

    /// <summary>An lrm status text that shows the node <c>fence</c> (the word, not <c>fenced</c>).</summary>
    public static bool ShowsFence(string? status) => status is not null && Regex.IsMatch(status, @"\bfence\b");

    /// <summary>An lrm status text that shows the node <c>fenced</c>.</summary>
    public static bool ShowsFenced(string? status) => status is not null && Regex.IsMatch(status, @"\bfenced\b");

    /// <summary>Every change, for a failure message.</summary>
    public string Describe()
    {
        lock (_gate) return $"{Samples} answers; changes:\n" + string.Join('\n', _changes);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}

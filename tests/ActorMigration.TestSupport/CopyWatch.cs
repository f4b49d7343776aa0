namespace ActorMigration.TestSupport;

/// <summary>
/// Samples in the background (every 50 ms unless told otherwise) where copies of each VM run, and remembers the first
/// sample that found two at once. A copy is whatever the probe names (a node, or a node and a QEMU pid); the probe
/// reads reality (/proc, the simulated driver's files), never the API.
/// </summary>
public sealed class CopyWatch : IAsyncDisposable
{
    /// <summary>The first and last sample that saw a copy.</summary>
    public sealed record Seen(DateTime First, DateTime Last);

    private readonly Func<IReadOnlyDictionary<int, IReadOnlyList<string>>> _probe;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<(int VmId, string Copy), Seen> _seen = [];
    private readonly Lock _gate = new();
    private readonly Thread _loop;

    /// <summary>Samples each VM with its own probe.</summary>
    public CopyWatch(IEnumerable<int> vmids, Func<int, IReadOnlyList<string>> probe, TimeSpan? interval = null)
        : this(AllOf([.. vmids], probe), interval)
    {
    }

    /// <summary>Samples every VM with one probe (one /proc scan for all): the copies of each VM.</summary>
    public CopyWatch(Func<IReadOnlyDictionary<int, IReadOnlyList<string>>> probe, TimeSpan? interval = null)
    {
        _probe = probe;
        _interval = interval ?? TimeSpan.FromMilliseconds(50);
        // Its own thread: a busy thread pool (the test's requests) must not stretch the sampling interval.
        _loop = new Thread(Loop) { IsBackground = true, Name = "copy-watch" };
        _loop.Start();
    }

    /// <summary>How many rounds sampled every VM.</summary>
    public int Samples { get; private set; }

    /// <summary>The longest time between two rounds (the sampling really was that fine).</summary>
    public TimeSpan LongestGap { get; private set; }

    /// <summary>The first sample that found two copies of a VM at once, null if none did.</summary>
    public string? Violation { get; private set; }

    private void Loop()
    {
        DateTime? previous = null;
        while (!_stop.IsCancellationRequested)
        {
            var at = DateTime.UtcNow;
            IReadOnlyDictionary<int, IReadOnlyList<string>> found;
            try
            {
                found = _probe();
            }
            catch (IOException)
            {
                continue; // a file went away while read: sample again at once
            }
            lock (_gate)
            {
                foreach (var (vmid, copies) in found)
                {
                    foreach (var copy in copies)
                        _seen[(vmid, copy)] = _seen.TryGetValue((vmid, copy), out var s) ? s with { Last = at } : new Seen(at, at);
                    if (copies.Count > 1)
                        Violation ??= $"{at:HH:mm:ss.fff}: VM {vmid} ran {copies.Count} times at once: {string.Join(", ", copies)}";
                }
                Samples++;
                if (previous is { } p && at - p > LongestGap) LongestGap = at - p;
                previous = at;
            }
            _stop.Token.WaitHandle.WaitOne(_interval);
        }
    }

    private static Func<IReadOnlyDictionary<int, IReadOnlyList<string>>> AllOf(IReadOnlyList<int> vmids, Func<int, IReadOnlyList<string>> probe) =>
        () => vmids.ToDictionary(v => v, probe);

    /// <summary>Each copy of the VM ever seen, with when.</summary>
    public IReadOnlyDictionary<string, Seen> Copies(int vmid)
    {
        lock (_gate) return _seen.Where(kv => kv.Key.VmId == vmid).ToDictionary(kv => kv.Key.Copy, kv => kv.Value);
    }

    /// <summary>Every copy seen, for a failure message.</summary>
    public string Describe()
    {
        lock (_gate)
            return $"{Samples} samples, longest gap {LongestGap.TotalMilliseconds:F0} ms; " + string.Join("; ",
                _seen.OrderBy(kv => kv.Value.First).Select(kv => $"{kv.Key.VmId} on {kv.Key.Copy} {kv.Value.First:HH:mm:ss.fff}-{kv.Value.Last:HH:mm:ss.fff}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _loop.Join();
        _stop.Dispose();
    }
}

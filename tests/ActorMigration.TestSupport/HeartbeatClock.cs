using System.Text;

namespace ActorMigration.TestSupport;

/// <summary>
/// When each heartbeat line of a guest first appeared on its serial consoles, by the host's wall clock: a background
/// thread reads the new bytes of every watched serial.log every few milliseconds. The guest's own clock stops while
/// it is paused, so its pause shows only here: as the largest gap between consecutive heartbeats (the heartbeat
/// interval, 200 ms, included). A migrated guest counts on where it left off, so source and target console together
/// give one sequence.
/// </summary>
public sealed class HeartbeatClock : IDisposable
{
    public sealed record Beat(int Number, DateTime At, string Node);

    /// <summary>The largest gap between consecutive heartbeats: the one before it, the one after it, and its length.</summary>
    public sealed record Gap(Beat Before, Beat After)
    {
        public double Ms => (After.At - Before.At).TotalMilliseconds;
    }

    private sealed class Console(string node, string file)
    {
        public string Node => node;
        public string File => file;
        public long Offset;
        public string Partial = "";
    }

    private readonly List<Console> _consoles;
    private readonly Dictionary<int, Beat> _beats = [];
    private readonly Lock _lock = new();
    private readonly Thread _thread;
    private volatile bool _stop;

    /// <summary>Starts watching the VM's console on each of <paramref name="where"/> (data dir, node).</summary>
    public HeartbeatClock(int vmid, params (string DataDir, string Node)[] where)
    {
        _consoles = [.. where.Select(w => new Console(w.Node, Path.Combine(Reality.QemuDir(w.DataDir, w.Node, vmid), "serial.log")))];
        foreach (var c in _consoles) Read(c, DateTime.UtcNow); // what is there already counts as seen now
        _thread = new Thread(Run) { IsBackground = true, Name = $"heartbeats-{vmid}" };
        _thread.Start();
    }

    /// <summary>Every heartbeat seen so far, by number.</summary>
    public IReadOnlyList<Beat> Beats
    {
        get
        {
            lock (_lock) return [.. _beats.Values.OrderBy(b => b.Number)];
        }
    }

    /// <summary>The largest gap between consecutive heartbeats seen between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public Gap? LargestGap(DateTime from, DateTime to)
    {
        var beats = Beats.Where(b => b.At >= from && b.At <= to).ToList();
        return beats.Zip(beats.Skip(1), (a, b) => new Gap(a, b)).MaxBy(g => g.Ms);
    }

    /// <summary>The last heartbeat seen on <paramref name="node"/>'s console (null if none).</summary>
    public Beat? Last(string node) => Beats.LastOrDefault(b => b.Node == node);

    /// <summary>The first heartbeat seen on <paramref name="node"/>'s console after <paramref name="after"/> (null if none).</summary>
    public Beat? FirstAfter(string node, DateTime after) => Beats.FirstOrDefault(b => b.Node == node && b.At > after);

    private void Run()
    {
        while (!_stop)
        {
            var now = DateTime.UtcNow;
            foreach (var c in _consoles) Read(c, now);
            Thread.Sleep(5);
        }
    }

    private void Read(Console c, DateTime now)
    {
        string text;
        try
        {
            using var fs = new FileStream(c.File, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (fs.Length < c.Offset) (c.Offset, c.Partial) = (0, ""); // a new QEMU's log
            if (fs.Length == c.Offset) return;
            fs.Seek(c.Offset, SeekOrigin.Begin);
            var buf = new byte[fs.Length - c.Offset];
            var n = fs.Read(buf, 0, buf.Length);
            c.Offset += n;
            text = c.Partial + Encoding.UTF8.GetString(buf, 0, n);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }
        var end = text.LastIndexOf('\n');
        c.Partial = text[(end + 1)..];
        if (end < 0) return;
        lock (_lock)
            foreach (var number in GuestConsole.Heartbeats(text[..end]))
                _beats.TryAdd(number, new Beat(number, now, c.Node));
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}

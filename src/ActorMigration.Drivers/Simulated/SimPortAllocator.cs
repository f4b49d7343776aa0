using System.Collections.Concurrent;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Ports of one simulated node, from its range. Nothing listens; a port is held while a VM state file or an
/// NBD export file in the run dir names it, so re-adopted VMs keep theirs after a restart.
/// </summary>
internal sealed class SimPortAllocator
{
    private static readonly ConcurrentDictionary<string, object> Locks = new();
    private readonly string runDir;
    private readonly int first, last;
    private readonly object _lock;
    private int _next;

    public SimPortAllocator(string runDir, int first, int last)
    {
        if (last < first) throw new ArgumentException($"empty port range {first}-{last}");
        this.runDir = runDir;
        this.first = first;
        this.last = last;
        _next = first;
        _lock = Locks.GetOrAdd(Path.GetFullPath(runDir), _ => new object());
    }

    /// <summary>Picks a port not named by any state file; <paramref name="commit"/> must write the file naming it.</summary>
    public T Allocate<T>(Func<int, T> commit) => Allocate(1, ports => commit(ports[0]));

    public T Allocate<T>(int count, Func<int[], T> commit)
    {
        lock (_lock)
        {
            var used = UsedPorts();
            var ports = new int[count];
            for (var i = 0; i < count; i++)
            {
                var found = false;
                for (var j = 0; j <= last - first; j++)
                {
                    var p = _next;
                    _next = _next >= last ? first : _next + 1;
                    if (used.Contains(p)) continue;
                    used.Add(p);
                    ports[i] = p;
                    found = true;
                    break;
                }
                if (!found) throw new InvalidOperationException($"no free port in range {first}-{last}");
            }
            return commit(ports);
        }
    }

    private HashSet<int> UsedPorts()
    {
        var used = new HashSet<int>();
        foreach (var f in Enumerate(SimPaths.VmDir(runDir)))
            if (SimFiles.ReadJson<SimVmState>(f) is { } vm) used.UnionWith(vm.Ports());
        foreach (var f in Enumerate(SimPaths.NbdDir(runDir)))
            if (SimFiles.ReadJson<NbdExportRecord>(f) is { } e) used.Add(e.Port);
        return used;
    }

    private static IEnumerable<string> Enumerate(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.json") : [];
}

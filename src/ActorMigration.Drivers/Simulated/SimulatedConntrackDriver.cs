using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Conntrack entries per VM, one text file per vmid in the run dir (zone = vmid).</summary>
public sealed class SimulatedConntrackDriver : IConntrackDriver
{
    private readonly string _dir;
    private readonly SemaphoreSlim _gate;
    private readonly SimulationOptions _options;

    public SimulatedConntrackDriver(NodeSettings settings, SimulationOptions? options = null)
    {
        _options = options ?? new SimulationOptions();
        _dir = SimPaths.ConntrackDir(settings.RunDir);
        _gate = SimLocks.For(_dir);
    }

    private string FileOf(int vmid) => Path.Combine(_dir, $"{vmid}.txt");

    public async Task<IReadOnlyList<string>> DumpAsync(int vmid, CancellationToken ct = default)
    {
        await HoldPoint.At(_options, HoldPoint.Conntrack, ct);
        await _gate.WaitAsync(ct);
        try
        {
            return Read(vmid);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<int> LoadAsync(int vmid, IReadOnlyList<string> entries, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var list = Read(vmid);
            var known = new HashSet<string>(list);
            var added = 0;
            foreach (var e in entries.Select(e => e.Trim()).Where(e => e.Length > 0))
            {
                if (!known.Add(e)) continue;
                list.Add(e);
                added++;
            }
            if (added > 0) SimFiles.WriteAtomic(FileOf(vmid), string.Join('\n', list) + "\n");
            return added;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<int> FlushAsync(int vmid, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var n = Read(vmid).Count;
            SimFiles.DeleteIfExists(FileOf(vmid));
            return n;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds <paramref name="count"/> synthetic established connections of a freshly started VM.</summary>
    internal Task SeedAsync(int vmid, int count, CancellationToken ct = default)
    {
        if (count <= 0) return Task.CompletedTask;
        var ip = $"10.{vmid / 256 % 256}.{vmid % 256}.2";
        var entries = Enumerable.Range(0, count).Select(i =>
            $"tcp      6 431999 ESTABLISHED src=192.168.1.{10 + i} dst={ip} sport={40000 + i} dport=22 " +
            $"src={ip} dst=192.168.1.{10 + i} sport=22 dport={40000 + i} [ASSURED] mark=0 zone={vmid} use=1").ToList();
        return LoadAsync(vmid, entries, ct);
    }

    private List<string> Read(int vmid)
    {
        try
        {
            return File.ReadAllLines(FileOf(vmid)).Where(l => l.Trim().Length > 0).ToList();
        }
        catch (FileNotFoundException)
        {
            return new List<string>();
        }
        catch (DirectoryNotFoundException)
        {
            return new List<string>();
        }
    }
}

using ActorMigration.Domain.Config;

namespace ActorMigration.Bench.Fuzz;

/// <summary>A VM as the generator sees it: where it lives, its options, disks and snapshots.</summary>
internal sealed record VmView(int VmId, string Node, IReadOnlyDictionary<string, string> Config, IReadOnlyList<string> Snapshots,
    string Digest, bool Parsable)
{
    public bool Template => Config.TryGetValue("template", out var t) && t == "1";

    public IEnumerable<(string Key, string Value)> Disks =>
        Config.Where(kv => Drives.IsDriveKey(kv.Key) && !kv.Value.Contains("media=cdrom")).Select(kv => (kv.Key, kv.Value));
}

/// <summary>What the generator knows of the cluster now: VMs (from the snapshot), UPIDs seen, the valid backup.</summary>
internal sealed class World
{
    private readonly Dictionary<string, List<string>> _upids = FuzzMember.Cluster.ToDictionary(n => n, _ => new List<string>());

    public List<VmView> Vms { get; private set; } = new();
    public string ValidBackup { get; set; } = "";
    public HashSet<int> FixtureIds { get; } = new();

    public void Update(StateSnapshot s)
    {
        var list = new List<VmView>();
        foreach (var v in s.Vms.Values.Where(v => v.Exists && v.Node is not null))
        {
            try
            {
                var cfg = QmConfig.Parse(v.Config);
                var values = new Dictionary<string, string>(cfg.Main.Values);
                if (cfg.Main.Description is { } d) values["description"] = d;
                list.Add(new VmView(v.VmId, v.Node!, values, cfg.Snapshots.Select(x => x.Name).ToList(), v.Digest, true));
            }
            catch (Exception e) when (e is FormatException or QmConfigFormatException or ArgumentException)
            {
                list.Add(new VmView(v.VmId, v.Node!, new Dictionary<string, string>(), [], v.Digest, false));
            }
        }
        Vms = list;
    }

    /// <summary>A fresh member: nothing it has is known yet.</summary>
    public void Clear()
    {
        foreach (var l in _upids.Values) l.Clear();
        Vms = new();
    }

    public void AddUpid(string upid)
    {
        var parts = upid.Split(':');
        if (parts.Length > 2 && _upids.TryGetValue(parts[1], out var list))
        {
            list.Add(upid);
            if (list.Count > 40) list.RemoveAt(0);
        }
    }

    public IReadOnlyList<string> Upids(string node) => _upids.TryGetValue(node, out var l) ? l : [];

    public IEnumerable<string> AllUpids => _upids.Values.SelectMany(l => l);

    public VmView? PickVm(Random r, Func<VmView, bool>? where = null)
    {
        var c = where is null ? Vms : Vms.Where(where).ToList();
        return c.Count == 0 ? null : c[r.Next(c.Count)];
    }

    /// <summary>The VM id the hostile values name as missing; never handed out as a new id.</summary>
    public const int MissingVmId = 555;

    /// <summary>A VM id that no VM has, in 200..899 (the fixture uses ids below and 9000 up).</summary>
    public int FreeId(Random r)
    {
        for (var i = 0; i < 50; i++)
        {
            var id = r.Next(200, 900);
            if (id is not (HostileFiles.FifoImageVmId or MissingVmId) && Vms.All(v => v.VmId != id)) return id;
        }
        return 899;
    }
}

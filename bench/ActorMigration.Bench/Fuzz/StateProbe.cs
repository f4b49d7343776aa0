using System.Globalization;
using System.Text.RegularExpressions;
using ActorMigration.Actors.Vms;
using ActorMigration.Domain.Vms;
using Akka.Actor;
using Microsoft.Data.Sqlite;

namespace ActorMigration.Bench.Fuzz;

/// <summary>What a VM record holds, as its entity (the truth) answers.</summary>
internal sealed record VmState(int VmId, bool Exists, string? Node, string Config, string? Lock, string Clones, string Digest);

/// <summary>Everything a request could change: journal, VM records, files in the storages and simulated VM processes.</summary>
internal sealed record StateSnapshot(long JournalMax, IReadOnlyDictionary<int, VmState> Vms, IReadOnlyDictionary<string, string> Files);

/// <summary>
/// Takes state snapshots cheaply (one SQL query, one ask per VM record ever written, one directory walk) and compares
/// them. VM ids come from the journal itself, so a VM that a refusal created is seen even if no listing shows it.
/// </summary>
internal sealed partial class StateProbe(FuzzMember member)
{
    private readonly SortedSet<int> _vmids = new();
    private long _scanned;
    private readonly string _db = Path.Combine(member.DataDir, "actormigration.db");

    [GeneratedRegex(@"^vm-(\d+)$")]
    private static partial Regex VmRecord();

    public IEnumerable<int> KnownVmIds => _vmids;

    /// <summary>VM records that did not answer a read within 10 s (reported, then forgotten).</summary>
    public HashSet<int> Unresponsive { get; } = new();

    public async Task<StateSnapshot> Take()
    {
        Unresponsive.Clear();
        var max = ScanJournal();
        var region = member.Registry.Get<VirtualMachineRegion>();
        var states = await Task.WhenAll(_vmids.Select(id => Read(region, id)));
        foreach (var s in states.Where(s => s.Config == NoAnswer)) Unresponsive.Add(s.VmId);
        return new StateSnapshot(max, states.ToDictionary(s => s.VmId), Files());
    }

    private const string NoAnswer = "(no answer from the VM record in 10 s)";

    private static async Task<VmState> Read(IActorRef region, int id)
    {
        try
        {
            var r = await region.Ask<VmReply>(new GetVm(id), TimeSpan.FromSeconds(10));
            return r.Vm is { } v
                ? new VmState(id, v.Exists, v.Node, v.ConfigText, v.Lock, string.Join(',', v.LinkedClones), v.Digest)
                : new VmState(id, false, null, $"error: {r.Error}", null, "", "");
        }
        catch (AskTimeoutException)
        {
            return new VmState(id, false, null, NoAnswer, null, "", "");
        }
    }

    /// <summary>Highest journal ordering; learns the VM ids of VM records written since the last scan.</summary>
    private long ScanJournal()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select ordering, persistence_id from journal where ordering > $o";
        cmd.Parameters.AddWithValue("$o", _scanned);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            _scanned = Math.Max(_scanned, r.GetInt64(0));
            var pid = r.GetString(1);
            if (VmRecord().Match(pid) is { Success: true } m
                && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                _vmids.Add(id);
        }
        return _scanned;
    }

    /// <summary>Journal rows written after <paramref name="after"/>, one line per persistence id.</summary>
    public List<string> JournalWrites(long after, long upTo)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        // Sharding writes EntitiesStopped ("CF") when an idle entity passivates, whenever that is: bookkeeping, not state.
        cmd.CommandText = "select persistence_id, count(*), group_concat(distinct manifest) from journal where ordering > $a and ordering <= $b"
                          + " and not (manifest = 'CF' and persistence_id like '/sharding/%') group by persistence_id";
        cmd.Parameters.AddWithValue("$a", after);
        cmd.Parameters.AddWithValue("$b", upTo);
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add($"journal: {r.GetInt64(1)} event(s) of {r.GetString(0)} ({(r.IsDBNull(2) ? "" : r.GetString(2))})");
        return list;
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection($"Data Source={_db};Mode=ReadOnly;Default Timeout=30");
        c.Open();
        return c;
    }

    /// <summary>Storage trees (with the sidecars) and the simulated VM processes; links are not followed.</summary>
    private Dictionary<string, string> Files()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var roots = new List<string> { Path.Combine(member.DataDir, "nodes"), Path.Combine(member.DataDir, "shared") };
        var run = Path.Combine(member.DataDir, "run");
        if (Directory.Exists(run)) roots.AddRange(Directory.GetDirectories(run).Select(d => Path.Combine(d, "sim", "vms")));
        foreach (var root in roots) Walk(root, files);
        return files;
    }

    private void Walk(string dir, Dictionary<string, string> files)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var path in Directory.EnumerateFileSystemEntries(dir))
        {
            var rel = Path.GetRelativePath(member.DataDir, path);
            var fi = new FileInfo(path);
            if (fi.LinkTarget is { } target) files[rel] = $"symlink to {target}";
            else if (Directory.Exists(path))
            {
                files[rel] = "dir";
                Walk(path, files);
            }
            else files[rel] = $"{(fi.Exists ? fi.Length : 0)} bytes, mtime {fi.LastWriteTimeUtc.Ticks}";
        }
    }

    /// <summary>What differs between two snapshots, in words; empty when nothing does.</summary>
    public List<string> Diff(StateSnapshot a, StateSnapshot b)
    {
        var d = new List<string>();
        if (b.JournalMax != a.JournalMax) d.AddRange(JournalWrites(a.JournalMax, b.JournalMax));
        foreach (var (id, vb) in b.Vms)
        {
            a.Vms.TryGetValue(id, out var va);
            va ??= new VmState(id, false, null, "", null, "", "");
            if (vb.Config == NoAnswer && va.Config != NoAnswer) d.Add($"VM {id} record stopped answering");
            else if (va.Exists != vb.Exists) d.Add($"VM {id} {(vb.Exists ? "appeared" : "vanished")}");
            else if (va.Node != vb.Node) d.Add($"VM {id} moved from {va.Node} to {vb.Node}");
            else if (va.Config != vb.Config) d.Add($"VM {id} config changed: {ConfigDelta(va.Config, vb.Config)}");
            else if (va.Lock != vb.Lock) d.Add($"VM {id} lock '{va.Lock}' -> '{vb.Lock}'");
            else if (va.Clones != vb.Clones) d.Add($"VM {id} linked clones '{va.Clones}' -> '{vb.Clones}'");
        }
        foreach (var (f, fb) in b.Files)
            if (!a.Files.TryGetValue(f, out var fa)) d.Add($"file created: {f} ({fb})");
            else if (fa != fb) d.Add($"file changed: {f} ({fa} -> {fb})");
        foreach (var f in a.Files.Keys.Where(f => !b.Files.ContainsKey(f))) d.Add($"file removed: {f}");
        return d;
    }

    private static string ConfigDelta(string a, string b)
    {
        var la = a.Split('\n').ToHashSet();
        var lb = b.Split('\n').ToHashSet();
        var removed = la.Except(lb).Select(l => "-" + l);
        var added = lb.Except(la).Select(l => "+" + l);
        return Describe.Text(string.Join(" ", removed.Concat(added)), 200);
    }
}

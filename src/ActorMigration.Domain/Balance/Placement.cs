using System.Globalization;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Balance;

/// <summary>The hard constraints of a placement: all nodes, HA groups, affinity rules, memory overcommit.</summary>
public sealed class PlacementRules
{
    private readonly Dictionary<int, List<(int VmId, string Rule)>> _apart = [];

    public PlacementRules(IEnumerable<NodeCapacity> nodes, Func<int, HaGroup?> groupOf, IEnumerable<AffinityRule> rules, double memOvercommit = 1.0)
    {
        Nodes = nodes.ToDictionary(n => n.Node, StringComparer.Ordinal);
        GroupOf = groupOf;
        MemOvercommit = memOvercommit;
        foreach (var r in rules.Where(r => r.KeepApart))
            foreach (var v in r.VmIds)
            {
                if (!_apart.TryGetValue(v, out var l)) _apart[v] = l = [];
                l.AddRange(r.VmIds.Where(o => o != v).Select(o => (o, r.Name)));
            }
    }

    public IReadOnlyDictionary<string, NodeCapacity> Nodes { get; }
    public Func<int, HaGroup?> GroupOf { get; }
    public double MemOvercommit { get; }

    private readonly Dictionary<(string Source, string Target, bool Running), string?> _compat = [];

    /// <summary>Version and CPU-vendor refusal of a source/target pair (cached: the version compare parses strings).</summary>
    public string? Compatibility(string source, string target, bool running)
    {
        if (_compat.TryGetValue((source, target, running), out var known)) return known;
        string? why = null;
        if (Nodes.TryGetValue(source, out var s) && Nodes.TryGetValue(target, out var t))
        {
            if (PackageVersion.Compare(t.Version, s.Version) < 0) why = $"{target} runs an older version ({t.Version})";
            else if (running && !string.Equals(t.CpuVendor, s.CpuVendor, StringComparison.OrdinalIgnoreCase))
                why = $"{target} has another CPU vendor ({t.CpuVendor})";
        }
        return _compat[(source, target, running)] = why;
    }

    /// <summary>The VMs a VM must not share a node with (keep-apart rules), with the rule's name.</summary>
    public IReadOnlyList<(int VmId, string Rule)> ApartFrom(int vmid) => _apart.TryGetValue(vmid, out var l) ? l : [];
}

/// <summary>
/// Where VMs may go and where they go best (design15 §1.4). A unit is one VM or a keep-together group moved as one.
/// Rules as <c>MigrationChecks</c>/<c>HaPlacement</c>: online, not in maintenance, not the source, version ≥ source,
/// same CPU vendor when running, restricted HA group, keep-apart, configured memory room and vCPUs.
/// </summary>
public static class Placement
{
    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>Null when the unit may go to <paramref name="target"/>, else the refusal (<c>node1 in maintenance</c>).</summary>
    /// <param name="locationOf">The projected node of any VM (after planned moves).</param>
    public static string? Allowed(IReadOnlyList<VmDemand> unit, string target, ScoreBoard board, PlacementRules rules, Func<int, string?> locationOf)
    {
        var source = unit[0].Node;
        if (target == source) return $"{target} is the source";
        if (!rules.Nodes.TryGetValue(target, out var t) || !t.Online) return $"{target} is offline";
        if (t.Maintenance) return $"{target} in maintenance";
        if (!board.Has(target)) return $"{target} has no known capacity";
        var running = false;
        long need = 0;
        foreach (var v in unit)
        {
            if (!v.Running) continue;
            running = true;
            need += v.ConfigMem;
        }
        if (rules.Compatibility(source, target, running) is { } incompatible) return incompatible;
        foreach (var v in unit)
        {
            if (rules.GroupOf(v.VmId) is { Restricted: true } g && g.Nodes.All(n => n.Node != target))
                return $"{target} not in HA group '{g.Name}'";
            foreach (var (other, rule) in rules.ApartFrom(v.VmId))
                if (locationOf(other) == target && !unit.Any(u => u.VmId == other)) return $"{target} has VM {other} (rule '{rule}')";
            if (v.Running && v.Vcpus > t.MaxCpu) return $"{target} has {t.MaxCpu} CPUs (needs {v.Vcpus})";
        }
        var free = (long)(t.MaxMem * rules.MemOvercommit) - board.Committed(target);
        return need > free ? $"{target} has {Gib(Math.Max(0, free))} free (needs {Gib(need)})" : null;
    }

    /// <summary>
    /// The best allowed target: the HA group's highest priority class first, then the lowest score after placement, then
    /// more free memory, then the name. Null with every refusal when none is allowed.
    /// </summary>
    public static (string? Node, IReadOnlyList<string> Refusals) Best(
        IReadOnlyList<VmDemand> unit, IEnumerable<string> candidates, ScoreBoard board, PlacementRules rules, Func<int, string?> locationOf)
    {
        var refusals = new List<string>();
        var allowed = new List<string>();
        foreach (var c in candidates.Where(c => c != unit[0].Node).Order(StringComparer.Ordinal))
        {
            if (Allowed(unit, c, board, rules, locationOf) is { } r) refusals.Add(r);
            else allowed.Add(c);
        }
        if (allowed.Count == 0) return (null, refusals);
        var group = unit.Select(v => rules.GroupOf(v.VmId)).FirstOrDefault(g => g is not null);
        var top = allowed.Max(n => Priority(group, n));
        var (mem, cpu) = (unit.Sum(v => v.Running ? v.Mem : 0), unit.Sum(v => v.Running ? v.Cpu : 0));
        var best = allowed.Where(n => Priority(group, n) == top)
            .OrderBy(n => board.ScoreAfter(unit[0].Node, n, mem, cpu))
            .ThenByDescending(n => rules.Nodes[n].MaxMem * rules.MemOvercommit - board.Committed(n))
            .ThenBy(n => n, StringComparer.Ordinal)
            .First();
        return (best, refusals);
    }

    /// <summary>The node's priority in the group (-1 when not a member or no group), as HaPlacement ranks it.</summary>
    public static int Priority(HaGroup? group, string node) => group?.Nodes.FirstOrDefault(n => n.Node == node)?.Priority ?? -1;

    public static string Gib(long bytes) => (bytes / GiB).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
}

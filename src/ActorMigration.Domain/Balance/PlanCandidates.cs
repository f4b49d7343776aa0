using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Balance;

/// <summary>
/// VMs moved as one: a single VM, or the VMs of a keep-together rule that share a node. <see cref="Partners"/> are the
/// rule's VMs on other nodes (a split group): the unit may then only move to a node that holds one of them.
/// </summary>
public sealed record PlanUnit(IReadOnlyList<VmDemand> Vms, HaGroup? Group, IReadOnlyList<int>? Partners = null)
{
    /// <summary>Whether moving to <paramref name="target"/> keeps the group together (or reunites it).</summary>
    public bool KeepsTogether(string target, Func<int, string?> locationOf) =>
        Partners is not { Count: > 0 } p || p.Any(id => locationOf(id) == target);

    public string Node => Vms[0].Node;
    public int VmId => Vms[0].VmId;
    public double Mem { get; } = Vms.Sum(v => v.Mem);
    public double Cpu { get; } = Vms.Sum(v => v.Cpu);
    public long ConfigMem { get; } = Vms.Sum(v => v.ConfigMem);
}

/// <summary>The rebalancer's candidates per node: running, movable, unlocked VMs on eligible nodes, out of cooldown.</summary>
public static class PlanCandidates
{
    public static IReadOnlyDictionary<string, List<PlanUnit>> Units(BalanceObservation o, ScoreBoard board, RebalanceOptions opt, DateTimeOffset at)
    {
        var byId = o.Vms.ToDictionary(v => v.VmId);
        var together = TogetherSets(o.Rules, byId);
        var result = new Dictionary<string, List<PlanUnit>>(StringComparer.Ordinal);
        var seen = new HashSet<int>();
        foreach (var v in o.Vms.OrderBy(v => v.VmId))
        {
            if (!seen.Add(v.VmId) || !board.Has(v.Node)) continue;
            var members = together.TryGetValue(v.VmId, out var set)
                ? set.Select(id => byId[id]).Where(m => m.Node == v.Node).OrderBy(m => m.VmId).ToList()
                : [v];
            foreach (var m in members) seen.Add(m.VmId);
            if (!members.All(m => Movable(o, m, opt, at))) continue;
            var group = members.Select(m => o.Groups.GetValueOrDefault(m.VmId)).FirstOrDefault(g => g is not null);
            if (!result.TryGetValue(v.Node, out var list)) result[v.Node] = list = [];
            var partners = set?.Where(id => byId[id].Node != v.Node).ToList();
            list.Add(new PlanUnit(members, group, partners));
        }
        return result;
    }

    private static bool Movable(BalanceObservation o, VmDemand v, RebalanceOptions opt, DateTimeOffset at) =>
        v.Running && !v.Locked && !o.Blocks.ContainsKey(v.VmId) && Cooldown.Allows(v.VmId, o.LastMoved, at, opt.CooldownSpan);

    // Keep-together rules joined when they share a VM (union-find), by vmid.
    private static Dictionary<int, SortedSet<int>> TogetherSets(IReadOnlyList<AffinityRule> rules, IReadOnlyDictionary<int, VmDemand> byId)
    {
        var sets = new Dictionary<int, SortedSet<int>>();
        foreach (var r in rules.Where(r => r.KeepTogether))
        {
            var merged = new SortedSet<int>(r.VmIds.Where(byId.ContainsKey));
            foreach (var id in merged.ToList())
                if (sets.TryGetValue(id, out var s)) merged.UnionWith(s);
            foreach (var id in merged) sets[id] = merged;
        }
        return sets;
    }
}

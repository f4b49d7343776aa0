namespace ActorMigration.Domain.Balance;

/// <summary>A Proxmox 9 HA <c>resource-affinity</c> rule: keep the VMs together (positive) or apart (negative).</summary>
public sealed record AffinityRule(string Name, string Kind, IReadOnlyList<int> VmIds)
{
    public const string Positive = "positive";
    public const string Negative = "negative";

    public bool KeepTogether => Kind == Positive;
    public bool KeepApart => Kind == Negative;
}

/// <summary>The balancing input from the HA configuration.</summary>
public static class AffinityRules
{
    /// <summary>
    /// The enabled, feasible <c>resource-affinity</c> rules of <paramref name="ha"/> (Proxmox drops infeasible ones before it
    /// schedules), over <paramref name="nodes"/> cluster nodes, by rule name.
    /// </summary>
    public static IReadOnlyList<AffinityRule> FromHa(Ha.HaConfigState ha, int nodes)
    {
        var errors = Ha.HaRules.Errors(ha.Rules.Values, nodes);
        return ha.Rules.Values
            .Where(r => r.Enabled && r.Type == Ha.HaRule.ResourceAffinity && !errors.ContainsKey(r.Name))
            .Select(r => new AffinityRule(r.Name, r.Affinity,
                r.Resources.Where(x => x.StartsWith("vm:", StringComparison.Ordinal)).Select(Ha.HaSid.VmIdOf).ToList()))
            .ToList();
    }
}

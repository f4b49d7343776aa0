namespace ActorMigration.Domain.Ha;

/// <summary>
/// The rules of HA rules (pve-ha-manager's <c>Rules</c> and <c>Rules/ResourceAffinity</c>): the feasibility checks of
/// enabled <c>resource-affinity</c> rules, with Proxmox's texts, blamed on the option (<c>resources</c>).
/// </summary>
public static class HaRules
{
    public static readonly string[] Affinities = ["positive", "negative"];
    public static readonly string[] Options = ["affinity", "comment", "disable", "resources"];

    /// <summary>Errors per rule and option of the enabled rules, e.g. <c>{"r1": {"resources": ["rule is ineffective …"]}}</c>.</summary>
    public static IReadOnlyDictionary<string, SortedDictionary<string, List<string>>> Errors(IEnumerable<HaRule> rules, int nodes)
    {
        var enabled = rules.Where(r => r.Enabled && r.Type == HaRule.ResourceAffinity).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        var errors = new SortedDictionary<string, SortedDictionary<string, List<string>>>(StringComparer.Ordinal);
        void Add(string rule, string message)
        {
            if (!errors.TryGetValue(rule, out var e)) errors[rule] = e = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            if (!e.TryGetValue("resources", out var l)) e["resources"] = l = [];
            l.Add(message);
        }
        foreach (var r in enabled.Where(r => r.Resources.Count < 2)) Add(r.Name, "rule is ineffective as there are less than two resources");
        foreach (var r in enabled.Where(r => r.Affinity == "negative" && r.Resources.Count > nodes))
            Add(r.Name, "rule defines more resources than available nodes");
        foreach (var p in enabled.Where(r => r.Affinity == "positive"))
            foreach (var n in enabled.Where(r => r.Affinity == "negative" && r.Resources.Intersect(p.Resources).Count() >= 2))
            {
                Add(p.Name, "rule shares two or more resources with a negative resource affinity rule");
                Add(n.Name, "rule shares two or more resources with a positive resource affinity rule");
            }
        return errors;
    }

    /// <summary>The errors of one rule among all, each option's messages joined by <c>, </c> (the API's <c>errors</c>).</summary>
    public static IReadOnlyDictionary<string, string>? ErrorsOf(IEnumerable<HaRule> rules, string name, int nodes) =>
        Errors(rules, nodes).TryGetValue(name, out var e) ? e.ToDictionary(kv => kv.Key, kv => string.Join(", ", kv.Value)) : null;

    /// <summary>Proxmox's <c>Rule 'r1' is invalid.</c> when <paramref name="rule"/> is infeasible among the others.</summary>
    public static string? Invalid(IEnumerable<HaRule> others, HaRule rule, int nodes) =>
        ErrorsOf(others.Where(r => r.Name != rule.Name).Append(rule), rule.Name, nodes) is null ? null : $"Rule '{rule.Name}' is invalid.";

    /// <summary>The resources that are not HA resources: <c>cannot use unmanaged resource(s) vm:101, vm:102.</c></summary>
    public static string? Unmanaged(HaConfigState s, IEnumerable<string> resources)
    {
        var missing = resources.Where(r => !s.Resources.ContainsKey(r)).Order(StringComparer.Ordinal).ToList();
        return missing.Count == 0 ? null : $"cannot use unmanaged resource(s) {string.Join(", ", missing)}.";
    }

    /// <summary>Sorted, distinct sids, as rules.cfg keeps them.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> sids) => sids.Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Purge of a removed resource: each rule that names it loses it; a rule left empty is removed.</summary>
    public static IEnumerable<IHaConfigEvent> Purge(HaConfigState s, string sid)
    {
        foreach (var r in s.Rules.Values.Where(r => r.Resources.Contains(sid)))
            yield return r.Resources.Count == 1
                ? new HaRuleRemoved(r.Name)
                : new HaRuleSaved(r with { Resources = r.Resources.Where(x => x != sid).ToList() });
    }
}

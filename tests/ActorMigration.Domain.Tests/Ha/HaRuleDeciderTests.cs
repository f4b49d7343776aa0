using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>HA rules in the HA configuration store: order, digest, feasibility, purge, and the balancing input.</summary>
public sealed class HaRuleDeciderTests
{
    private static HaConfigState Run(HaConfigState s, IHaConfigCommand c)
    {
        var (events, error) = HaConfigDecider.Decide(s, c);
        Assert.Null(error);
        return events.Aggregate(s, HaConfigDecider.Apply);
    }

    private static HaConfigState WithResources(params int[] vms) =>
        vms.Aggregate(HaConfigState.Empty, (s, vm) => Run(s, new AddHaResource(new HaResource(HaSid.OfVm(vm), null, null, null, null, null))));

    private static HaRule Rule(string name, string affinity, params int[] vms) =>
        new(name, HaRule.ResourceAffinity, vms.Select(HaSid.OfVm).ToList(), affinity, null, null, 0);

    [Fact]
    public void Rules_get_the_next_ordinal_sorted_resources_and_change_the_digest()
    {
        var s = WithResources(101, 102, 103);
        var empty = s.RulesDigest;
        s = Run(s, new AddHaRule(Rule("b", "negative", 103, 101), 3));
        s = Run(s, new AddHaRule(Rule("a", "positive", 101, 102), 3));
        Assert.Equal((1, 2), (s.Rules["b"].Order, s.Rules["a"].Order));
        Assert.Equal("vm:101,vm:103", s.Rules["b"].ResourceList);
        Assert.NotEqual(empty, s.RulesDigest);
        var digest = s.RulesDigest;
        s = Run(s, new UpdateHaRule("a", null, null, true, "x", [], digest, 3));
        Assert.Equal((true, "x"), (s.Rules["a"].Disable, s.Rules["a"].Comment));
        Assert.NotEqual(digest, s.RulesDigest);
    }

    [Fact]
    public void Infeasible_rules_unmanaged_resources_and_duplicates_are_refused_with_proxmox_texts()
    {
        var s = Run(WithResources(101, 102, 103), new AddHaRule(Rule("apart", "negative", 101, 102), 3));
        string? Error(IHaConfigCommand c) => HaConfigDecider.Decide(s, c).Error;
        Assert.Equal("create ha rule failed: HA rule 'apart' already defined", Error(new AddHaRule(Rule("apart", "positive", 101, 102), 3)));
        Assert.Equal("create ha rule failed: cannot use unmanaged resource(s) vm:104, vm:105.", Error(new AddHaRule(Rule("x1", "positive", 105, 104, 101), 3)));
        Assert.Equal("create ha rule failed: Rule 'x1' is invalid.", Error(new AddHaRule(Rule("x1", "positive", 101), 3)));
        Assert.Equal("create ha rule failed: Rule 'x1' is invalid.", Error(new AddHaRule(Rule("x1", "positive", 102, 101, 103), 3)));
        Assert.Equal("create ha rule failed: Rule 'x1' is invalid.", Error(new AddHaRule(Rule("x1", "negative", 101, 102, 103), 2)));
        Assert.Equal("update HA rules failed: unable to delete required option 'affinity'",
            Error(new UpdateHaRule("apart", null, null, null, null, ["affinity"], null, 3)));
        Assert.Equal("update HA rules failed: no such option 'nodes'", Error(new UpdateHaRule("apart", null, null, null, null, ["nodes"], null, 3)));
        Assert.Null(Error(new AddHaRule(Rule("x1", "positive", 102, 101, 103) with { Disable = true }, 3))); // disabled: not checked

        var errors = HaRules.Errors([Rule("p", "positive", 101, 102), Rule("n", "negative", 101, 102, 103)], 2);
        Assert.Equal(["rule defines more resources than available nodes", "rule shares two or more resources with a positive resource affinity rule"],
            errors["n"]["resources"]);
        Assert.Equal(["rule shares two or more resources with a negative resource affinity rule"], errors["p"]["resources"]);
    }

    [Fact]
    public void Removing_a_resource_purges_it_and_a_rule_left_without_resources_goes()
    {
        var s = WithResources(101, 102);
        s = Run(s, new AddHaRule(Rule("pair", "positive", 101, 102), 3));
        s = Run(s, new RemoveHaResource("vm:102"));
        Assert.Equal(["vm:101"], s.Rules["pair"].Resources);
        s = Run(s, new RemoveHaResource("vm:101", Purge: false));
        Assert.Equal(["vm:101"], s.Rules["pair"].Resources);
        s = Run(WithResources(101, 102), new AddHaRule(Rule("pair", "positive", 101, 102), 3));
        s = Run(Run(s, new RemoveHaResource("vm:101")), new RemoveHaResource("vm:102"));
        Assert.Empty(s.Rules);
    }

    [Fact]
    public void Balancing_takes_the_enabled_feasible_rules_as_affinity_rules()
    {
        var s = WithResources(101, 102, 103);
        s = Run(s, new AddHaRule(Rule("apart", "negative", 101, 102), 3));
        s = Run(s, new AddHaRule(Rule("off", "positive", 101, 103) with { Disable = true }, 3));
        s = Run(s, new AddHaRule(Rule("pair", "positive", 102, 103), 3));
        var rules = AffinityRules.FromHa(s, 3);
        Assert.Equal(["apart apart 101,102", "pair together 102,103"],
            rules.Select(r => $"{r.Name} {(r.KeepApart ? "apart" : "together")} {string.Join(",", r.VmIds)}"));
        Assert.Equal(["pair"], AffinityRules.FromHa(s, 1).Select(r => r.Name)); // 2 VMs apart on 1 node: infeasible, dropped
    }
}

using ActorMigration.Domain.Balance;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>A keep-together group is never split by a plan: it moves whole, reunites, or stays.</summary>
public sealed class KeepTogetherTests
{
    private static RebalancePlan Plan(IReadOnlyList<AffinityRule> rules, RebalanceOptions? opt = null, Func<List<VmDemand>, List<VmDemand>>? vms = null)
    {
        var (n, v) = Skewed3();
        return RebalancePlanner.Plan(Obs(n, vms?.Invoke(v) ?? v, rules: rules), opt ?? RebalanceOptions.Default, At);
    }

    [Fact]
    public void A_group_split_across_nodes_moves_only_towards_its_partners()
    {
        Assert.Equal("node2", Plan([]).Moves.Single(m => m.VmId == 100).To); // without the rule: ties go to node2
        var p = Plan([new AffinityRule("t", AffinityRule.Positive, [100, 300])]);
        Assert.Equal("node3", p.Moves.Single(m => m.VmId == 100).To);
        Assert.DoesNotContain(p.Moves, m => m.VmId == 300);
    }

    [Fact]
    public void A_group_larger_than_the_moves_left_is_not_started()
    {
        var p = Plan([new AffinityRule("t", AffinityRule.Positive, [100, 101])], RebalanceOptions.Default with { MaxMoves = 1 });
        var move = Assert.Single(p.Moves);
        Assert.DoesNotContain(move.VmId, new[] { 100, 101 });
        Assert.Equal("max-moves 1 reached", p.Stop);
    }

    [Fact]
    public void A_group_with_a_member_that_cannot_move_stays_whole()
    {
        var p = Plan([new AffinityRule("t", AffinityRule.Positive, [100, 101])],
            vms: v => v.Select(x => x.VmId == 101 ? x with { Lock = "backup" } : x).ToList());
        Assert.DoesNotContain(p.Moves, m => m.VmId is 100 or 101);
        Assert.NotEmpty(p.Moves);
    }
}

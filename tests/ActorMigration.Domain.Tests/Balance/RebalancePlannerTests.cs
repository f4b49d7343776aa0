using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Storage;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>One test per constraint of <see cref="RebalancePlanner.Plan"/> (design15 §4.2), on a skewed 3-node cluster.</summary>
public class RebalancePlannerTests
{
    private static readonly RebalanceOptions Opt = RebalanceOptions.Default;

    private static RebalancePlan Plan(BalanceObservation o, RebalanceOptions? opt = null) => RebalancePlanner.Plan(o, opt ?? Opt, At);

    private static RebalancePlan Skewed(Func<List<NodeCapacity>, List<NodeCapacity>>? nodes = null, IReadOnlyDictionary<int, MoveBlock>? blocks = null,
        IReadOnlyDictionary<int, HaGroup>? groups = null, IReadOnlyList<AffinityRule>? rules = null, IReadOnlyDictionary<int, DateTimeOffset>? lastMoved = null,
        Func<List<VmDemand>, List<VmDemand>>? vms = null, RebalanceOptions? opt = null)
    {
        var (n, v) = Skewed3();
        return Plan(Obs(nodes?.Invoke(n) ?? n, vms?.Invoke(v) ?? v, blocks, groups, rules, lastMoved), opt);
    }

    [Fact]
    public void A_skewed_cluster_gets_moves_off_the_loaded_node_each_with_gain_and_reason()
    {
        var p = Skewed();
        Assert.NotEmpty(p.Moves);
        Assert.True(p.ScoreBefore > Opt.Threshold);
        Assert.All(p.Moves, m => Assert.Equal("node1", m.From));
        Assert.All(p.Moves, m => Assert.True(m.Gain >= Opt.MinGain / 3));
        Assert.Equal(Enumerable.Range(1, p.Moves.Count), p.Moves.Select(m => m.Seq));
        Assert.Equal(p.ScoreAfter, p.Moves[^1].ScoreAfter, 12);
        var first = p.Moves[0];
        Assert.Equal("node1 mem 75%→66% cpu 75%→66%, node2 mem 9%→19% cpu 9%→19%; score 0.309→0.246 (gain 0.063)", first.Reason);
        Assert.Equal(p.ScoreBefore - first.Gain, first.ScoreAfter, 12);
        Assert.Equal(new ScoreBoard(Skewed3().Nodes, Apply(Skewed3().Vms, p), 0.5, 0.5).Score, p.ScoreAfter, 9);
    }

    [Fact]
    public void Stops_at_target()
    {
        var p = Skewed();
        Assert.True(p.ScoreAfter <= Opt.Target);
        Assert.True(p.Moves.Take(p.Moves.Count - 1).All(m => m.ScoreAfter > Opt.Target));
        Assert.StartsWith("reached target", p.Stop);
    }

    [Fact]
    public void Below_threshold_plans_nothing()
    {
        var p = Skewed(opt: Opt with { Threshold = 0.4, Target = 0.01 });
        Assert.Empty(p.Moves);
        Assert.Equal("balanced: score 0.309 ≤ threshold 0.400", p.Stop);
    }

    [Fact]
    public void Not_warm_plans_nothing()
    {
        var (n, v) = Skewed3();
        Assert.Empty(Plan(Obs(n, v, warm: false)).Moves);
    }

    [Fact]
    public void Max_moves_caps_a_round()
    {
        var p = Skewed(opt: Opt with { MaxMoves = 1 });
        Assert.Single(p.Moves);
        Assert.Equal("max-moves 1 reached", p.Stop);
        Assert.Single(RebalancePlanner.Plan(Obs(Skewed3().Nodes, Skewed3().Vms), Opt, At, maxMoves: 1).Moves);
    }

    [Fact]
    public void Min_gain_stops_planning()
    {
        // The first move gains 0.063; min-gain counts per node (3 nodes).
        var p = Skewed(opt: Opt with { MinGain = 0.19 });
        Assert.Empty(p.Moves);
        Assert.Equal("no move gains at least min-gain 0.190 / 3 nodes", p.Stop);
        Assert.NotEmpty(Skewed(opt: Opt with { MinGain = 0.18 }).Moves);
    }

    [Fact]
    public void Blocked_vms_never_move_and_are_reported()
    {
        var blocks = Enumerable.Range(100, 6).ToDictionary(i => i, i => new MoveBlock(i, "node1", MoveBlockKinds.Template, "template"));
        var p = Skewed(blocks: blocks);
        Assert.All(p.Moves, m => Assert.InRange(m.VmId, 106, 107));
        Assert.Equal(Enumerable.Range(100, 6), p.Blocked.Select(b => b.VmId));
    }

    [Fact]
    public void Local_disks_move_only_with_the_policy()
    {
        var storage = StorageConfig.Parse("dir: local\n\tpath /var/lib/vz\n\tcontent images\n");
        var cfg = QmConfig.Parse("memory: 6144\nscsi0: local:100/vm-100-disk-0.qcow2,size=8G\n");
        RebalancePlan With(bool policy)
        {
            var (n, v) = Skewed3();
            var blocks = v.Select(vm => Movability.Check(vm, cfg, storage, null, ["node1", "node2", "node3"], policy))
                .OfType<MoveBlock>().ToDictionary(b => b.VmId);
            return Plan(Obs(n, v, blocks), Opt with { WithLocalDisks = policy });
        }
        Assert.Empty(With(false).Moves);
        Assert.Equal(10, With(false).Blocked.Count);
        Assert.NotEmpty(With(true).Moves);
    }

    [Fact]
    public void Locked_vms_never_move_and_are_reported()
    {
        var p = Skewed(vms: v => v.Select(x => x.VmId < 106 ? x with { Lock = "backup" } : x).ToList());
        Assert.All(p.Moves, m => Assert.InRange(m.VmId, 106, 107));
        Assert.Contains(p.Blocked, b => b is { VmId: 100, Reason: "locked (backup)" });
    }

    [Fact]
    public void Vms_in_cooldown_never_move()
    {
        var recent = Enumerable.Range(100, 6).ToDictionary(i => i, _ => At.AddSeconds(-Opt.Cooldown + 1));
        Assert.All(Skewed(lastMoved: recent).Moves, m => Assert.InRange(m.VmId, 106, 107));
        var old = Enumerable.Range(100, 8).ToDictionary(i => i, _ => At.AddSeconds(-Opt.Cooldown));
        Assert.Equal(Skewed().Moves, Skewed(lastMoved: old).Moves);
    }

    [Fact]
    public void Maintenance_and_offline_nodes_receive_nothing()
    {
        var p = Skewed(nodes: n => [n[0], n[1] with { Maintenance = true }, n[2], Node("node4", online: false)]);
        Assert.NotEmpty(p.Moves);
        Assert.All(p.Moves, m => Assert.Equal("node3", m.To));
    }

    [Fact]
    public void Memory_room_is_kept_for_the_whole_plan()
    {
        // node2 has room for one more 6 GiB VM only (11 GiB free) (configured memory counts, not measured use).
        var p = Skewed(vms: v => v.Select(x => x.VmId == 200 ? x with { ConfigMem = 53 * GiB } : x).ToList());
        Assert.Equal(1, p.Moves.Count(m => m.To == "node2"));
        var over = Skewed(vms: v => v.Select(x => x.VmId == 200 ? x with { ConfigMem = 53 * GiB } : x).ToList(), opt: Opt with { MemOvercommit = 2 });
        Assert.True(over.Moves.Count(m => m.To == "node2") > 1);
    }

    [Fact]
    public void Restricted_ha_group_keeps_its_vms_on_its_nodes()
    {
        var g = Group("g12", true, ("node1", 0), ("node2", 0));
        var groups = Enumerable.Range(100, 8).ToDictionary(i => i, _ => g);
        var p = Skewed(groups: groups);
        Assert.Contains(p.Moves, m => groups.ContainsKey(m.VmId));
        Assert.All(p.Moves.Where(m => groups.ContainsKey(m.VmId)), m => Assert.Equal("node2", m.To));
        Assert.Contains(Skewed().Moves, m => m.To == "node3" && m.VmId < 108);
    }

    [Fact]
    public void Keep_apart_is_respected()
    {
        var rules = Enumerable.Range(100, 8).Select(i => new AffinityRule($"a{i}", AffinityRule.Negative, [i, 300])).ToList();
        var p = Skewed(rules: rules);
        Assert.Contains(p.Moves, m => m.VmId < 108);
        Assert.All(p.Moves.Where(m => m.VmId < 108), m => Assert.Equal("node2", m.To));
        Assert.Contains(Skewed().Moves, m => m.To == "node3" && m.VmId < 108);
    }

    [Fact]
    public void Keep_together_vms_move_as_one_unit_or_not_at_all()
    {
        var p = Skewed(rules: [new AffinityRule("t", AffinityRule.Positive, [100, 101])]);
        var unit = p.Moves.Where(m => m.VmId is 100 or 101).ToList();
        Assert.True(unit.Count is 0 or 2);
        if (unit.Count == 2) Assert.Equal(unit[0].To, unit[1].To);
        var big = Skewed(rules: [new AffinityRule("t", AffinityRule.Positive, [.. Enumerable.Range(100, 8)])], opt: Opt with { MinGain = 0 });
        Assert.Empty(big.Moves);
        var pair = Skewed(vms: v => v.Where(x => x.VmId != 300).ToList(), rules: [new AffinityRule("t", AffinityRule.Positive, [100, 101])],
            opt: Opt with { MaxMoves = 2 });
        Assert.Contains("keep-together with VM 100,101", Assert.Single(pair.Moves, m => m.VmId == 100).Reason);
        Assert.Equal(pair.Moves.Single(m => m.VmId == 100).To, pair.Moves.Single(m => m.VmId == 101).To);
    }

    [Fact]
    public void Plans_are_deterministic_whatever_the_input_order()
    {
        var (n, v) = Skewed3();
        var a = Plan(Obs(n, v));
        var b = Plan(Obs(Enumerable.Reverse(n), Enumerable.Reverse(v)));
        Assert.Equal(a.Moves, b.Moves);
        Assert.Equal(a.ScoreAfter, b.ScoreAfter, 12);
    }
}

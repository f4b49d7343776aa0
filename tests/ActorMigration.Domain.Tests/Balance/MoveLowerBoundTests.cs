using ActorMigration.Domain.Balance;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Balance;

public sealed class MoveLowerBoundTests
{
    [Fact]
    public void A_node_above_the_mean_plus_the_allowed_deviation_must_lose_its_excess_largest_vms_first()
    {
        var nodes = new[] { Node("node1", 100, 10), Node("node2", 100, 10) };
        var vms = new[] { Vm(100, "node1", 40, 1), Vm(101, "node1", 30, 1), Vm(102, "node1", 10, 1) };
        // mem only: ū = 0.4, limit 0.4 + 0.1·√2 = 0.541, excess 25.9 GiB: the 40 GiB VM alone carries it.
        Assert.Equal(1, MoveLowerBound.Of(nodes, vms, 0.1, 1, 0));
        // target 0 (limit 0.4): the 40 GiB VM still carries the 40 GiB excess; with CPU counted, 1.5 of 3 cores must go: two VMs.
        Assert.Equal(1, MoveLowerBound.Of(nodes, vms, 0, 1, 0));
        Assert.Equal(2, MoveLowerBound.Of(nodes, vms, 0, 1, 1));
        Assert.Equal(0, MoveLowerBound.Of(nodes, vms, 0.5, 1, 0));
        Assert.Equal((0, 1, 2, 3), (MoveLowerBound.Fewest([5, 3], 0), MoveLowerBound.Fewest([5, 3], 5), MoveLowerBound.Fewest([5, 3], 6),
            MoveLowerBound.Fewest([1, 1, 1], 99)));
    }

    [Fact]
    public void The_planner_never_needs_fewer_moves_than_the_bound()
    {
        var (n, v) = Skewed3();
        var opt = RebalanceOptions.Default with { MaxMoves = 100 };
        var plan = RebalancePlanner.Plan(Obs(n, v), opt, At);
        Assert.True(plan.ScoreAfter <= opt.Target, plan.Stop);
        var bound = MoveLowerBound.Of(n, v, opt.Target, opt.MemWeight, opt.CpuWeight);
        Assert.InRange(bound, 1, plan.Moves.Count);
    }
}

using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Tasks;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>The rebalancer's persisted plan: UPIDs before starts, restart re-sends exactly the unended moves, plan ends.</summary>
public sealed class RebalancerDeciderTests
{
    // Decide, then apply what was decided; a refusal fails the test.
    private static RebalancerState Run(RebalancerState s, IRebalancerInput input) => Rebalancer.Decide(s, input) switch
    {
        (var events, null) => events.Aggregate(s, Rebalancer.Apply),
        (_, var error) => throw new InvalidOperationException(error),
    };

    private static RebalancePlan SkewedPlan()
    {
        var (n, v) = Skewed3();
        var plan = RebalancePlanner.Plan(Obs(n, v), RebalanceOptions.Default, At);
        Assert.True(plan.Moves.Count >= 3, plan.Stop);
        return plan;
    }

    [Fact]
    public void A_plan_is_persisted_with_a_distinct_upid_per_move_before_anything_starts()
    {
        var plan = SkewedPlan();
        var (events, error) = Rebalancer.Decide(RebalancerState.Empty, new PersistRebalancePlan(plan, "manual", "root@pam", At));
        Assert.Null(error);
        var planned = Assert.IsType<RebalancePlanned>(Assert.Single(events)).Plan;
        Assert.Equal((1L, plan.Moves.Count), (planned.PlanId, planned.Moves.Count));
        Assert.Equal(planned.Moves.Count, planned.Moves.Select(m => m.Upid).Distinct().Count());
        var upid = Upid.Parse(planned.Moves[0].Upid);
        Assert.Equal((plan.Moves[0].From, "qmigrate", plan.Moves[0].VmId.ToString(), "root@pam"), (upid.Node, upid.Type, upid.Id, upid.User));

        var s = events.Aggregate(RebalancerState.Empty, Rebalancer.Apply);
        Assert.Equal(planned.Moves, Rebalancer.ToStart(s)); // the actor starts these after the write
        Assert.Equal("rebalance plan 1 is still running",
            Rebalancer.Decide(s, new PersistRebalancePlan(plan, "manual", "root@pam", At)).Error);
    }

    [Fact]
    public void After_a_restart_exactly_the_unended_moves_are_sent_again_and_nothing_new_is_planned()
    {
        var s = Run(RebalancerState.Empty, new PersistRebalancePlan(SkewedPlan(), "auto", "root@pam", At));
        var moves = s.Active!.Plan.Moves;
        s = Run(s, new RebalanceTaskEnded(moves[0].Upid, "OK", At.AddSeconds(20)));
        s = Run(s, new RebalanceTaskEnded(moves[0].Upid, "OK", At.AddSeconds(21))); // a second report changes nothing
        s = Run(s, new RebalanceTaskEnded("UPID:node9:00000000:00000001:00000000:qmigrate:1:root@pam:", "OK", At)); // not ours

        // "Restart": the state is rebuilt from its own events (here: the same state); the unended moves are re-sent.
        Assert.Equal(moves.Skip(1).Select(m => m.Upid), Rebalancer.ToStart(s).Select(m => m.Upid));
        Assert.NotNull(Rebalancer.Decide(s, new PersistRebalancePlan(SkewedPlan(), "auto", "root@pam", At.AddSeconds(30))).Error);
        Assert.Equal(At.AddSeconds(20), s.LastMoved[moves[0].VmId]);
    }

    [Fact]
    public void The_plan_ends_when_all_moves_ended_ok_or_with_problems_and_goes_to_history()
    {
        var s = Run(RebalancerState.Empty, new PersistRebalancePlan(SkewedPlan(), "manual", "root@pam", At));
        var moves = s.Active!.Plan.Moves;
        for (var i = 0; i < moves.Count; i++)
            s = Run(s, new RebalanceTaskEnded(moves[i].Upid, i == 1 ? "migration aborted" : "OK", At.AddSeconds(10 + i)));
        Assert.Null(s.Active);
        var summary = Assert.Single(s.History);
        Assert.Equal(("problems", moves.Count, 1), (summary.Status, summary.Moves, summary.Failed));
        Assert.False(s.LastMoved.ContainsKey(moves[1].VmId)); // a failed move does not start a cooldown
        Assert.Empty(Rebalancer.ToStart(s));

        s = Run(s, new PersistRebalancePlan(SkewedPlan(), "manual", "root@pam", At.AddMinutes(1)));
        Assert.Equal(2, s.Active!.Plan.PlanId);
        Assert.DoesNotContain(s.Active.Plan.Moves, m => moves.Any(o => o.Upid == m.Upid)); // fresh UPIDs
        s = s.Active.Plan.Moves.Aggregate(s, (st, m) => Run(st, new RebalanceTaskEnded(m.Upid, "OK", At.AddMinutes(2))));
        Assert.Equal(["ok", "problems"], s.History.Select(h => h.Status));
    }

    [Fact]
    public void Abort_ends_the_plan_and_off_mode_plans_nothing()
    {
        var s = Run(RebalancerState.Empty, new PersistRebalancePlan(SkewedPlan(), "manual", "root@pam", At));
        s = Run(s, new AbortRebalance(At.AddSeconds(5)));
        Assert.Equal("aborted", Assert.Single(s.History).Status);
        s = Run(s, new SetRebalanceOptions(RebalanceOptions.Default with { Mode = RebalanceModes.Off }));
        Assert.Equal("rebalancer is off (mode=off)", Rebalancer.Decide(s, new PersistRebalancePlan(SkewedPlan(), "manual", "root@pam", At)).Error);
        Assert.NotNull(Rebalancer.Decide(s, new SetRebalanceOptions(RebalanceOptions.Default with { Target = 0.5 })).Error);
    }
}

using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>Follow-ups of tasks: planned once, applied only when the task ended well, always ended.</summary>
public sealed class HaFollowUpDecisionTests
{
    private static HaConfigState Apply(HaConfigState s, IEnumerable<IHaConfigEvent> events) => events.Aggregate(s, HaConfigDecider.Apply);

    [Fact]
    public void A_follow_up_is_planned_once_and_applies_its_change_only_after_a_good_end()
    {
        var add = new HaResource("vm:100", "started", null, null, null, null);
        var plan = new PlanHaFollowUp("UPID:1", add, null);
        var s = Apply(HaConfigState.Empty, HaConfigDecider.Decide(HaConfigState.Empty, plan).Events);
        Assert.Empty(HaConfigDecider.Decide(s, plan).Events);
        var failed = HaConfigDecider.EndFollowUp(s, "UPID:1", taskOk: false);
        Assert.Equal([new HaFollowUpEnded("UPID:1")], failed.Events);
        var ok = Apply(s, HaConfigDecider.EndFollowUp(s, "UPID:1", taskOk: true).Events);
        Assert.Equal(add, ok.Resources["vm:100"]);
        Assert.Empty(ok.FollowUps);
        Assert.Empty(HaConfigDecider.EndFollowUp(ok, "UPID:1", taskOk: true).Events);
        // Already a resource by then: dropped with Proxmox's reason (it only warns).
        var again = Apply(ok, HaConfigDecider.Decide(ok, plan with { Upid = "UPID:2" }).Events);
        var (events, dropped) = HaConfigDecider.EndFollowUp(again, "UPID:2", taskOk: true);
        Assert.Equal([new HaFollowUpEnded("UPID:2")], events);
        Assert.Equal("create resource failed: resource ID 'vm:100' already defined", dropped);
    }
}

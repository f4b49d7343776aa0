using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Drivers.Tests.Simulated;

/// <summary>The migration model follows tuning (at the next bitmap sync) and post-copy (at once).</summary>
public class MigrationChangeTests
{
    private const double MiB = 1024 * 1024;

    // 1 GiB RAM, 100 MiB/s, guest dirties 200 MiB/s over a 512 MiB working set: passes of 512 MiB every 5.12 s after
    // the first (10.24 s); never converges at 100 ms unthrottled.
    private static MigrationParams Heavy(bool autoConverge, int? ceiling = null) =>
        new((long)(1024 * MiB), 100 * MiB, 100, autoConverge, 200 * MiB, (long)(512 * MiB), ThrottleCeilingPct: ceiling);

    // 1 GiB RAM, 100 MiB/s, guest dirties 20 MiB/s, working set = RAM: converges after three passes.
    private static MigrationParams Moderate(bool postCopy) =>
        new((long)(1024 * MiB), 100 * MiB, 100, true, 20 * MiB, (long)(1024 * MiB), PostCopy: postCopy);

    [Fact]
    public void Qemu_throttle_step_is_initial_when_inactive_else_now_plus_increment_up_to_max()
    {
        Assert.Equal(20, MigrationParams.NextThrottle(0, 20, 10, 99));
        Assert.Equal(30, MigrationParams.NextThrottle(20, 20, 10, 99));
        Assert.Equal(99, MigrationParams.NextThrottle(95, 20, 10, 99));
        // a ceiling (initial = increment = max) goes straight to it, and down to it when it was lowered
        Assert.Equal(80, MigrationParams.NextThrottle(30, 80, 80, 80));
        Assert.Equal(40, MigrationParams.NextThrottle(70, 40, 40, 40));
        Assert.Equal((20, 10, 99), MigrationParams.ThrottleSteps(null));
        Assert.Equal((60, 60, 60), MigrationParams.ThrottleSteps(60));
    }

    [Fact]
    public void Non_converging_plan_converges_after_a_throttle_ceiling_raise()
    {
        var stuck = MigrationPlan.Compute(Heavy(autoConverge: true, ceiling: 10));
        Assert.False(stuck.Converges);
        Assert.Equal(10, stuck.At(3600).ThrottlePct);

        var plan = MigrationPlan.Compute(Heavy(autoConverge: true, ceiling: 10), [new MigrationChange(30, 100, 95)]);
        Assert.True(plan.Converges);
        Assert.All(plan.Passes.Where(p => p.StartSec < 30), p => Assert.True(p.ThrottlePct <= 10));
        var first95 = plan.Passes.First(p => p.ThrottlePct == 95);
        Assert.True(first95.StartSec > 30);
        Assert.Equal(95, plan.Passes[^1].ThrottlePct);
        Assert.True(plan.DowntimeMs <= 100 + 5);
        // what happened before the change is unchanged: the state is a function of the time and the changes so far
        Assert.Equal(stuck.At(29.9), plan.At(29.9));
    }

    [Fact]
    public void Non_converging_plan_converges_at_the_first_sync_after_a_downtime_raise()
    {
        Assert.False(MigrationPlan.Compute(Heavy(autoConverge: false)).Converges);

        // syncs at 10.24, 15.36, 20.48, 25.6, 30.72: the new limit (threshold 520 MiB >= 512 MiB) applies at 30.72
        var plan = MigrationPlan.Compute(Heavy(autoConverge: false), [new MigrationChange(30, 5200)]);
        Assert.True(plan.Converges);
        Assert.Equal(30.72, plan.SwitchoverStartSec, 9);
        Assert.Equal(5120 + 5, plan.DowntimeMs, 6);
        Assert.Equal(MigrationPhase.Precopy, plan.At(30.5).Phase);
        Assert.Equal(MigrationPhase.Switchover, plan.At(31).Phase);
    }

    [Fact]
    public void Postcopy_switches_at_once_with_the_overhead_as_downtime_and_pulls_the_rest()
    {
        var plan = MigrationPlan.Compute(Moderate(postCopy: true), [new MigrationChange(5, Postcopy: true)]);

        // at 5 s pass 1 has sent 500 MiB and the guest dirtied 100 MiB: the target pulls 524 + 100 MiB
        Assert.True(plan.Converges);
        Assert.True(plan.Postcopy);
        Assert.Equal(5, plan.SwitchoverStartSec, 9);
        Assert.Equal(624 * MiB, plan.SwitchoverBytes, 1);
        Assert.Equal(5, plan.DowntimeMs, 9);
        Assert.Equal(5 + 0.005 + 6.24, plan.CompletedAtSec, 9);
        Assert.Equal((500 + 624) * MiB, plan.TotalTransferredBytes, 1);

        var s = plan.At(6);
        Assert.Equal(MigrationPhase.Postcopy, s.Phase);
        Assert.Equal((624 - 99.5) * MiB, s.RemainingBytes, 1);
        Assert.Equal(MigrationPhase.Completed, plan.At(11.3).Phase);
        Assert.Equal(5, plan.At(11.3).DowntimeMs!.Value, 9);
    }

    [Fact]
    public void Postcopy_from_the_start_sends_everything_once()
    {
        var plan = MigrationPlan.Compute(Moderate(postCopy: true), [new MigrationChange(0, Postcopy: true)]);
        Assert.Equal(1024 * MiB, plan.TotalTransferredBytes, 1);
        Assert.Equal(5, plan.DowntimeMs, 9);
        Assert.Equal(10.245, plan.CompletedAtSec, 9);
    }

    [Fact]
    public void Postcopy_without_the_capability_changes_nothing()
    {
        var plain = MigrationPlan.Compute(Moderate(postCopy: false));
        var plan = MigrationPlan.Compute(Moderate(postCopy: false), [new MigrationChange(5, Postcopy: true)]);
        Assert.False(plan.Postcopy);
        Assert.Equal(plain.CompletedAtSec, plan.CompletedAtSec, 9);
        Assert.Equal(plain.DowntimeMs, plan.DowntimeMs, 9);
    }
}

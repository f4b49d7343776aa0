using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Drivers.Tests.Simulated;

public class MigrationModelTests
{
    private const double MiB = 1024 * 1024;

    // 1 GiB RAM, 100 MiB/s, guest dirties 20 MiB/s, working set = RAM, downtime limit 100 ms (threshold 10 MiB).
    private static MigrationParams Moderate(bool autoConverge = true, long downtimeMs = 100) =>
        new((long)(1024 * MiB), 100 * MiB, downtimeMs, autoConverge, 20 * MiB, (long)(1024 * MiB));

    [Fact]
    public void Converging_migration_matches_hand_calculation()
    {
        var plan = MigrationPlan.Compute(Moderate());

        // pass 1: 1024 MiB / 100 MiB/s = 10.24 s, dirties 204.8 MiB; pass 2: 2.048 s, dirties 40.96 MiB;
        // pass 3: 0.4096 s, dirties 8.192 MiB <= 10 MiB -> stop-and-copy 81.92 ms + 5 ms overhead.
        Assert.True(plan.Converges);
        Assert.Equal(3, plan.Passes.Count);
        Assert.Equal(10.24, plan.Passes[0].DurationSec, 9);
        Assert.Equal(2.048, plan.Passes[1].DurationSec, 9);
        Assert.Equal(0.4096, plan.Passes[2].DurationSec, 9);
        Assert.Equal(204.8 * MiB, plan.Passes[1].Bytes, 3);
        Assert.Equal(8.192 * MiB, plan.SwitchoverBytes, 3);
        Assert.Equal(86.92, plan.DowntimeMs, 6);
        Assert.Equal(12.6976, plan.SwitchoverStartSec, 9);
        Assert.Equal(12.6976 + 0.08692, plan.CompletedAtSec, 9);
        Assert.Equal((1024 + 204.8 + 40.96 + 8.192) * MiB, plan.TotalTransferredBytes, 1);
        Assert.Equal(4, plan.FinalDirtySyncCount);
    }

    [Fact]
    public void Snapshots_follow_the_passes()
    {
        var plan = MigrationPlan.Compute(Moderate());

        var s1 = plan.At(5);
        Assert.Equal(MigrationPhase.Precopy, s1.Phase);
        Assert.Equal(1, s1.Pass);
        Assert.Equal(1, s1.DirtySyncCount);
        Assert.Equal(500 * MiB, s1.TransferredBytes, 1);
        Assert.Equal(524 * MiB, s1.RemainingBytes, 1);
        Assert.Equal(100, s1.ExpectedDowntimeMs); // the limit until a dirty rate is known
        Assert.Equal(0, s1.DirtyPagesRate);

        var s2 = plan.At(11);
        Assert.Equal(2, s2.Pass);
        Assert.Equal(2, s2.DirtySyncCount);
        Assert.Equal((1024 + 76) * MiB, s2.TransferredBytes, 1);
        Assert.Equal((204.8 - 76) * MiB, s2.RemainingBytes, 1);
        Assert.Equal(2048, s2.ExpectedDowntimeMs!.Value, 6);
        Assert.Equal(20 * 1024 / 4, s2.DirtyPagesRate); // 20 MiB/s in 4 KiB pages

        Assert.Equal(MigrationPhase.Switchover, plan.At(12.6976 + 0.01).Phase);

        var done = plan.At(100);
        Assert.Equal(MigrationPhase.Completed, done.Phase);
        Assert.Equal(0, done.RemainingBytes);
        Assert.Equal(86.92, done.DowntimeMs!.Value, 6);
        Assert.Equal(plan.CompletedAtSec, done.ElapsedSec);
    }

    [Fact]
    public void Larger_downtime_limit_switches_over_after_the_first_pass()
    {
        // threshold 100 MiB/s * 2.1 s = 210 MiB >= 204.8 MiB dirtied in pass 1
        var plan = MigrationPlan.Compute(Moderate(downtimeMs: 2100));
        Assert.Single(plan.Passes);
        Assert.Equal(2048 + 5, plan.DowntimeMs, 6);
    }

    // 1 GiB RAM, 100 MiB/s, guest dirties 200 MiB/s over a 512 MiB working set: never converges unthrottled.
    private static MigrationParams Heavy(bool autoConverge) =>
        new((long)(1024 * MiB), 100 * MiB, 100, autoConverge, 200 * MiB, (long)(512 * MiB));

    [Fact]
    public void Heavy_dirtying_without_auto_converge_iterates_forever()
    {
        var plan = MigrationPlan.Compute(Heavy(autoConverge: false));
        Assert.False(plan.Converges);

        var s = plan.At(3600);
        Assert.Equal(MigrationPhase.Precopy, s.Phase);
        Assert.Equal(0, s.ThrottlePct);
        // pass 1 takes 10.24 s, then each pass resends the 512 MiB working set in 5.12 s
        Assert.Equal(2 + (int)((3600 - 10.24) / 5.12), s.Pass);
        // the link is busy all the time, never faster than the bandwidth
        Assert.Equal(3600 * 100 * MiB, s.TransferredBytes, 0);
        Assert.Equal(512 * MiB, plan.Pass(500).Bytes);
    }

    [Fact]
    public void Heavy_dirtying_converges_with_auto_converge_throttling_step_by_step()
    {
        var plan = MigrationPlan.Compute(Heavy(autoConverge: true));
        Assert.True(plan.Converges);

        var throttles = plan.Passes.Select(p => p.ThrottlePct).ToList();
        // Pass 1 dirties 512 of 1024 MiB sent: exactly 50%, not above the trigger. Passes 2 and 3 dirty 100% of what
        // they send: second high period -> 20% from pass 4, then +10% every second high period.
        Assert.Equal([0, 0, 0, 20, 20, 30, 30, 40, 40, 50, 50, 60], throttles.Take(12));
        Assert.All(throttles.Zip(throttles.Skip(1)), p => Assert.True(p.Second - p.First is 0 or 10 or 20));
        Assert.True(plan.FinalThrottlePct <= MigrationParams.ThrottleMaxPct);
        // only a throttle above 50% makes the guest dirty slower than the link sends
        Assert.True(plan.Passes[^1].ThrottlePct > 50);
        Assert.True(plan.SwitchoverBytes <= 100 * MiB * 0.1);
        Assert.Equal(MigrationPhase.Completed, plan.At(plan.CompletedAtSec).Phase);
    }

    [Fact]
    public void Reported_speed_is_the_bandwidth_limit()
    {
        var p = Moderate() with { BandwidthBytesPerSec = 10 * MiB };
        var plan = MigrationPlan.Compute(p);
        Assert.Equal(102.4, plan.Passes[0].DurationSec, 9);
        Assert.Equal(10 * MiB * 50, plan.At(50).TransferredBytes, 1);
    }

    [Fact]
    public void Instant_migration_completes_at_once()
    {
        var plan = MigrationPlan.Compute(Moderate() with { Instant = true });
        var s = plan.At(0);
        Assert.Equal(MigrationPhase.Completed, s.Phase);
        Assert.Equal(1024 * MiB, s.TransferredBytes);
    }

    [Fact]
    public void Failure_and_cancel_points()
    {
        var plan = MigrationPlan.Compute(Moderate());

        var precopyFail = plan.PrecopyFailureSec(1);
        Assert.Equal(5.12, precopyFail, 9);
        Assert.Equal(MigrationPhase.Precopy, plan.At(5, precopyFail, "boom").Phase);
        var failed = plan.At(6, precopyFail, "boom");
        Assert.Equal(MigrationPhase.Failed, failed.Phase);
        Assert.Equal("boom", failed.Error);
        Assert.Equal(512 * MiB, failed.TransferredBytes, 1);
        // iteration beyond the last pass: fails in the last pass
        Assert.Equal(plan.Passes[2].StartSec + plan.Passes[2].DurationSec / 2, plan.PrecopyFailureSec(9), 9);

        Assert.Equal(MigrationPhase.Failed, plan.At(100, plan.SwitchoverStartSec, "x").Phase);
        Assert.Equal(MigrationPhase.Precopy, plan.At(12, plan.SwitchoverStartSec, "x").Phase);

        var cancelled = plan.At(100, cancelAtSec: 3);
        Assert.Equal(MigrationPhase.Cancelled, cancelled.Phase);
        Assert.Equal(300 * MiB, cancelled.TransferredBytes, 1);
        Assert.Equal(MigrationPhase.Completed, plan.At(100, cancelAtSec: 50).Phase);
    }
}

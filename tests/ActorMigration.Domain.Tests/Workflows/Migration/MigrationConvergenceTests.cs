using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>
/// The convergence controller inside the migration workflow: its actions become steps and log lines, its aborts roll
/// back, post-copy passes the point of no return, force-complete is taken only in pre-copy; the mirrors' progress timeout.
/// </summary>
public sealed class MigrationConvergenceTests
{
    private const long MiB = 1024 * 1024;

    private static MigrationHarness AtPrecopy(MigrationRequest? req = null, string config = SharedConfig) =>
        MigrationHarness.Queued(req ?? Request(), Facts(config)).Run(stopAt: "precopy");

    /// <summary>A query-migrate of a 2 GiB guest: bandwidth and dirty rate in MiB/s.</summary>
    private static MigrationPolled Poll(long remainingMiB, double bandwidthMiB, double dirtyMiB, long iteration, int throttle = 0,
        MigrationState state = MigrationState.Active) =>
        new(new MigrationProgress(state, 2 * GiB, 2 * GiB - remainingMiB * MiB, remainingMiB * MiB, bandwidthMiB * MiB,
            DirtyPagesRate: (long)(dirtyMiB * MiB / 4096), DirtySyncCount: iteration, ThrottlePct: throttle));

    /// <summary>A poll answered <paramref name="seconds"/> after the migration started (tuning steps due run first).</summary>
    private static IReadOnlyList<IWorkflowEvent> At(MigrationHarness h, double seconds, StepResult r)
    {
        while (h.Next is TuneMigration) h.Succeed();
        return h.Feed(new StepSucceeded(h.Next!, r, h.S.PrecopyStartedAt!.Value.AddSeconds(seconds)));
    }

    [Fact]
    public void The_migrate_command_starts_at_migrate_downtime_with_the_controllers_throttle_ceiling()
    {
        var h = AtPrecopy(Request() with { PostCopy = true });
        var spec = h.Step<StartMigration>("migrate").Spec;
        Assert.Equal((100L, 20, true, true), (spec.DowntimeLimitMs, spec.ThrottleCeilingPct, spec.AutoConverge, spec.PostCopy));
        Assert.NotNull(Assert.Single(h.Of<MigrationStarted>()).Convergence);
        // local disks are mirrored to the end before the switch: no post-copy with them
        var local = MigrationHarness.Queued(Request(withLocalDisks: true) with { PostCopy = true }, Facts(LocalConfig))
            .Run(stopAt: "precopy");
        Assert.False(local.Step<StartMigration>("migrate").Spec.PostCopy);
    }

    [Fact]
    public void A_guest_dirtying_three_times_the_bandwidth_gets_a_throttle_step_logged_with_its_numbers_then_the_poll_goes_on()
    {
        var h = AtPrecopy();
        Assert.DoesNotContain(At(h, 1, Poll(1500, 100, 300, 1)), e => e is MigrationTuned); // the first pass has no dirty rate
        var events = At(h, 3, Poll(1000, 100, 300, 2));
        var tuned = Assert.Single(events.OfType<MigrationTuned>());
        Assert.Equal(new MigrationTuning(100, 90), tuned.Tuning);
        var tune = Assert.IsType<TuneMigration>(h.Next);
        Assert.Equal(("tune:1", "node1", new MigrationTuning(100, 90)), (tune.Key, tune.Node, tune.Tuning));
        Assert.Contains(h.Text, l => l.Contains("dirty rate 300.0 MiB/s, bandwidth 100.0 MiB/s (ratio 3.00)")
            && l.Contains("auto-converge throttle up to 90%") && l.EndsWith("(downtime-limit 100 ms, max-cpu-throttle 90%)"));
        h.Succeed("tune:1");
        Assert.Equal("precopy", h.Next!.Key);
        Assert.Equal("precopy-iterations", h.S.Phase);
        h.AssertRecovers();
        h.Run();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void No_new_low_of_the_remaining_data_for_the_progress_timeout_aborts_and_rolls_back_with_the_reason()
    {
        var h = AtPrecopy(Request() with { ProgressTimeoutSec = 10 });
        At(h, 1, Poll(800, 0, 0, 1));
        for (var t = 2; t <= 11; t++) At(h, t, Poll(800, 0, 0, 1));
        Assert.False(h.Core.RollingBack);
        At(h, 11.5, Poll(800, 0, 0, 1));
        Assert.True(h.Core.RollingBack);
        Assert.StartsWith("migration made no progress for 10.5 s (progress timeout 10 s): remaining 800.0 MiB", h.Core.Error);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-stop-target", "rb-resume-source", "rb-unlock", "rb-slot-release"], h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Contains(h.Text, l => l.StartsWith("ERROR: migration aborted") && l.Contains("made no progress"));
    }

    [Fact]
    public void At_the_completion_timeout_without_post_copy_the_migration_aborts()
    {
        var h = AtPrecopy(Request() with { CompletionTimeoutPerGiBSec = 5 }); // 2 GiB: 10 s
        var remaining = 1800L;
        for (var t = 1; t <= 10; t++) At(h, t, Poll(remaining -= 10, 100, 95, t));
        Assert.False(h.Core.RollingBack);
        At(h, 10.5, Poll(remaining - 10, 100, 95, 11));
        Assert.StartsWith("migration did not converge within the completion timeout 10 s (5 s/GiB)", h.Core.Error);
        Assert.True(h.Core.RollingBack);
    }

    [Fact]
    public void Post_copy_at_the_completion_timeout_passes_the_point_of_no_return_and_resumes_the_target_before_completion()
    {
        var h = AtPrecopy(Request() with { CompletionTimeoutPerGiBSec = 5, PostCopy = true });
        At(h, 10.5, Poll(500, 100, 95, 11));
        Assert.Single(h.Of<MigrationPostcopyRequested>());
        Assert.True(h.Core.PastPointOfNoReturn);
        Assert.Equal("postcopy", h.S.Phase);
        Assert.Empty(h.Abort()); // past the point of no return: DELETE changes nothing
        Assert.Equal("postcopy", h.Succeed("postcopy") is var _ ? h.Ran[^1] : "");
        Assert.Equal(new ResumeVm("postcopy-resume", "node2", 100), h.Next);
        h.Succeed("postcopy-resume");
        Assert.Equal("precopy", h.Next!.Key);
        At(h, 12, Poll(200, 100, 0, 11, state: MigrationState.PostcopyActive));
        Assert.Equal("precopy", h.Next!.Key);
        h.Run();
        Assert.True(h.Step<ConfirmIncoming>("confirm-target").Running);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Contains(h.Text, l => l.StartsWith("switching to post-copy: not converged within the completion timeout 10 s"));
        h.AssertRecovers();
    }

    [Fact]
    public void Force_complete_is_refused_outside_pre_copy_and_raises_the_downtime_to_max_downtime_in_it()
    {
        var machine = new MigrationMachine();
        var early = MigrationHarness.Queued(Request(), Facts(SharedConfig)).Run(stopAt: "incoming");
        Assert.Equal("migration of VM 100 is not in pre-copy (phase start-incoming)", machine.Refusal(early.S, new ForceCompleteMigration()));
        Assert.Empty(early.Feed(new CommandRequested(new ForceCompleteMigration(), early.Now)));

        var h = AtPrecopy(Request() with { MaxDowntimeMs = 2000 });
        Assert.Null(machine.Refusal(h.S, new ForceCompleteMigration()));
        h.Feed(new CommandRequested(new ForceCompleteMigration(), h.Now));
        Assert.Equal(new TuneMigration("tune:1", "node1", 100, new MigrationTuning(2000, 20)) { RecordWithNext = true }, h.Next);
        Assert.Contains(h.Text, l => l == "force-complete requested");
        Assert.Contains(h.Text, l => l.StartsWith("force-complete: downtime limit raised to max-downtime 2000 ms"));
        h.Run();
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.StartsWith("migration of VM 100 is not in pre-copy", machine.Refusal(h.S, new ForceCompleteMigration()));
    }

    [Fact]
    public void Force_complete_switches_to_post_copy_where_it_is_allowed_and_only_once()
    {
        var machine = new MigrationMachine();
        var h = AtPrecopy(Request() with { PostCopy = true });
        h.Feed(new CommandRequested(new ForceCompleteMigration(), h.Now));
        Assert.Equal(new StartPostcopy("postcopy", "node1", 100), h.Next);
        Assert.True(h.Core.PastPointOfNoReturn);
        Assert.Equal("migration of VM 100 is already in post-copy", machine.Refusal(h.S, new ForceCompleteMigration()));
    }

    [Fact]
    public void Mirrors_that_send_nothing_for_the_progress_timeout_fail_the_migration_and_roll_back()
    {
        var h = MigrationHarness.Queued(Request(withLocalDisks: true, targetStorage: "fast") with { ProgressTimeoutSec = 20 },
            Facts(LocalConfig)).Run(stopAt: "mirror-ready");
        var t0 = h.Now;
        MirrorsPolled Jobs(long done) => new([new BlockJobInfo("scsi0", "mirror", 32 * GiB, done, false, "running"),
            new BlockJobInfo("scsi1", "mirror", 4 * GiB, 4 * GiB, true, "ready")]);
        h.Feed(new StepSucceeded(h.Next!, Jobs(GiB), t0.AddSeconds(1)));
        h.Feed(new StepSucceeded(h.Next!, Jobs(2 * GiB), t0.AddSeconds(2)));
        h.Feed(new StepSucceeded(h.Next!, Jobs(2 * GiB), t0.AddSeconds(21)));
        Assert.False(h.Core.RollingBack);
        h.Feed(new StepSucceeded(h.Next!, Jobs(2 * GiB), t0.AddSeconds(22.5)));
        Assert.True(h.Core.RollingBack);
        Assert.Equal("mirroring error: no progress for 20.5 s (progress timeout 20 s): drive-scsi0: transferred 2.0 GiB of 32.0 GiB (6.25%), " +
            "drive-scsi1: transferred 4.0 GiB of 4.0 GiB (100.00%), ready", h.Core.Error);
        h.Run();
        Assert.Contains("rb-mirrors", h.Ran);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        h.AssertRecovers();
    }
}

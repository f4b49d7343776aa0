using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>Progress logging, the gate, and regressions of known bugs.</summary>
public partial class MigrationMachineTests
{
    // ---- progress ----

    private static StepResult Active(long transferred, double speed, long dirtySync = 1, long dirtyPages = 0, long total = 2 * GiB) =>
        new MigrationPolled(new MigrationProgress(MigrationState.Active, total, transferred, total - transferred, speed,
            DirtyPagesRate: dirtyPages, DirtySyncCount: dirtySync, ExpectedDowntimeMs: 80));

    [Fact]
    public void Migration_progress_is_logged_at_most_once_a_second()
    {
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        var step = h.Next!;
        var t = h.Now;
        IReadOnlyList<IWorkflowEvent> At(double s, StepResult r) => h.Feed(new StepSucceeded(step, r, t + TimeSpan.FromSeconds(s)));

        Assert.Empty(At(0.5, Active(256L << 20, 100 << 20)));
        // the log line, and the controller's progress watermark written with it
        var firstEvents = At(1.0, Active(512L << 20, 100 << 20));
        Assert.Contains(firstEvents, e => e is Domain.Workflows.Migration.MigrationConvergenceNoted);
        var first = Assert.Single(firstEvents.OfType<TaskLogged>());
        Assert.EndsWith(" migration active, transferred 512.0 MiB of 2.0 GiB VM-state, 100.0 MiB/s", Assert.Single(first.Lines));
        Assert.Empty(At(1.5, Active(600L << 20, 100 << 20)));
        Assert.Empty(At(1.99, Active(700L << 20, 100 << 20)));
        var second = Assert.Single(At(2.0, Active(1536L << 20, 110 << 20, dirtySync: 2, dirtyPages: 2560)).OfType<TaskLogged>());
        Assert.Equal(
            ["migration active, transferred 1.5 GiB of 2.0 GiB VM-state, 110.0 MiB/s",
             "migration iteration 2, remaining 512.0 MiB, dirty rate 10.0 MiB/s, expected downtime 80 ms"],
            second.Lines.Select(l => l[20..]));
        Assert.Equal("precopy", h.Next!.Key);
        Assert.Equal("precopy-iterations", h.S.Phase);
    }

    [Fact]
    public void Setup_state_and_unknown_totals_log_nothing()
    {
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        var step = h.Next!;
        Assert.Empty(h.Feed(new StepSucceeded(step, new MigrationPolled(new MigrationProgress(MigrationState.Setup)), h.Now.AddSeconds(5))));
        Assert.Empty(h.Feed(new StepSucceeded(step, new MigrationPolled(new MigrationProgress(MigrationState.Active, 0, 0)), h.Now.AddSeconds(10))));
    }

    [Theory]
    [InlineData(MigrationState.Failed, "Unable to write to socket", "migration status error: failed - Unable to write to socket")]
    [InlineData(MigrationState.Cancelled, null, "migration status error: cancelled")]
    [InlineData(MigrationState.None, null, "migration not active on source")]
    public void Migration_errors_roll_back(MigrationState state, string? error, string reason)
    {
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        h.Succeed("precopy", new MigrationPolled(new MigrationProgress(state, Error: error)));
        Assert.True(h.Core.RollingBack);
        Assert.Equal(reason, h.Core.Error);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-stop-target", "rb-resume-source", "rb-unlock"], h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
    }

    [Fact]
    public void Mirror_progress_and_mirror_errors()
    {
        var h = OnlineLocalRun().Run(stopAt: "mirror-ready");
        var step = h.Next!;
        var t = h.Now;
        var half = new MirrorsPolled([new BlockJobInfo("scsi0", "mirror", 32 * GiB, 8 * GiB, false, "running"),
            new BlockJobInfo("scsi1", "mirror", 4 * GiB, 4 * GiB, true, "ready")]);
        Assert.Empty(h.Feed(new StepSucceeded(step, half, t.AddMilliseconds(500))).OfType<TaskLogged>());
        var logged = Assert.IsType<TaskLogged>(Assert.Single(h.Feed(new StepSucceeded(step, half, t.AddSeconds(1)))));
        Assert.Equal(["drive-scsi0: transferred 8.0 GiB of 32.0 GiB (25.00%)", "drive-scsi1: transferred 4.0 GiB of 4.0 GiB (100.00%), ready"],
            logged.Lines.Select(l => l[20..]));
        Assert.Equal("mirror-ready", h.Next!.Key);
        Assert.Equal("start-incoming", h.S.Phase);

        var broken = new MirrorsPolled([new BlockJobInfo("scsi0", "mirror", 32 * GiB, 9 * GiB, false, "running", "No space left on device")]);
        h.Feed(new StepSucceeded(step, broken, t.AddSeconds(2)));
        Assert.Equal("mirroring error: drive-scsi0: No space left on device", h.Core.Error);
        Assert.True(h.Core.RollingBack);

        var h2 = OnlineLocalRun().Run(stopAt: "mirror-ready");
        h2.Succeed("mirror-ready", new MirrorsPolled([new BlockJobInfo("scsi0", "mirror", 32 * GiB, 9 * GiB, false, "concluded"),
            new BlockJobInfo("scsi1", "mirror", 4 * GiB, 4 * GiB, true, "ready")]));
        Assert.Equal("mirroring error: drive-scsi0: concluded", h2.Core.Error);
    }

    [Fact]
    public void Progress_input_of_another_step_is_ignored()
    {
        var h = OfflineLocalRun().Run(stopAt: "copy:scsi0");
        var other = new CopyDisk("copy:scsi1", "node1", "node2", "a", "b", "raw", 1, null);
        var before = h.S;
        Assert.Empty(h.Feed(new StepProgressed(other, new CopyProgressed(1, 2), h.Now)));
        Assert.Equal(before, h.S);
    }

    // ---- the gate ----

    [Fact]
    public void Refused_lock_rejects_the_request_without_a_task()
    {
        var h = OnlineSharedRun();
        var events = h.Fail("VM is locked (backup)", final: true, expectKey: "lock");
        Assert.Equal([new TaskRejected(Upid, "VM is locked (backup)", h.Now)], events);
        Assert.True(h.Core.Rejected);
        Assert.True(h.Core.Finished);
        Assert.False(h.Core.Accepted);
        Assert.Equal("VM is locked (backup)", h.Core.ExitStatus);
        Assert.Null(h.Next);
        Assert.Empty(h.Of<TaskFinished>());
        Assert.Empty(h.Of<TaskAccepted>());
        Assert.Empty(h.Log);
        Assert.Empty(h.Abort());
    }

    [Fact]
    public void Lock_that_keeps_failing_transiently_is_rejected_after_its_attempts()
    {
        var h = OnlineSharedRun();
        h.Fail("cluster not ready - no quorum?", final: false);
        h.Fail("cluster not ready - no quorum?", final: false);
        Assert.False(h.Core.Rejected);
        h.Fail("cluster not ready - no quorum?", final: false);
        Assert.True(h.Core.Rejected);
        Assert.Equal("cluster not ready - no quorum?", h.Core.ExitStatus);
        Assert.Empty(h.Of<TaskFinished>());
    }

    [Fact]
    public void Accepted_lock_is_the_task_acceptance()
    {
        var h = OnlineSharedRun();
        var events = h.Succeed("lock");
        Assert.Equal([new TaskAccepted(h.Now), new StepCompleted("lock")], events);
        Assert.True(h.Core.Accepted);
    }

    [Fact]
    public void Offline_copy_progress_is_logged_at_most_once_a_second()
    {
        var h = OfflineLocalRun().Run(stopAt: "copy:scsi0");
        h.Now += TimeSpan.FromSeconds(2);
        var first = Assert.IsType<TaskLogged>(Assert.Single(h.Progress(new CopyProgressed(8 * GiB, 32 * GiB), "copy:scsi0")));
        Assert.EndsWith("local:100/vm-100-disk-0.qcow2: transferred 8.0 GiB of 32.0 GiB (25.00%)", first.Lines.Single());
        h.Now += TimeSpan.FromMilliseconds(500);
        Assert.Empty(h.Progress(new CopyProgressed(9 * GiB, 32 * GiB), "copy:scsi0"));
        h.Now += TimeSpan.FromMilliseconds(500);
        Assert.Single(h.Progress(new CopyProgressed(10 * GiB, 32 * GiB), "copy:scsi0"));
    }

    [Fact]
    public void Prepare_without_migration_facts_fails_instead_of_finishing_without_a_plan()
    {
        var h = OnlineSharedRun().Run(stopAt: "prepare");
        h.Succeed("prepare", Done.Instance);
        Assert.StartsWith("internal error: prepare returned Done", h.Core.Error);
        h.Run();
        Assert.Equal(["lock", "prepare", "rb-unlock"], h.Ran);
        Assert.Null(h.S.Plan);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    // ---- known bugs ----

    [Fact]
    public void Offline_migration_with_local_devices_needs_force()
    {
        // QemuMigrate::prepare: die "can't migrate VM which uses local devices: ..." if $running || !$opts->{force}
        var h = MigrationHarness.Started(Request(online: false, force: false), Facts(SharedConfig + "hostpci0: 0000:01:00.0\n", running: false)).Run();
        Assert.Equal("can't migrate VM which uses local devices: hostpci0", h.Core.Error);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Usb_spice_written_with_its_key_is_not_a_local_device()
    {
        // check_local_resources parses the property string: host=spice (any case) is skipped.
        var h = MigrationHarness.Started(Request(), Facts(SharedConfig + "usb0: host=spice,usb3=1\nusb1: SPICE\n")).Run();
        Assert.Null(h.Core.Error);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Vanished_mirror_jobs_fail_the_migration_instead_of_polling_forever()
    {
        // BlockJob::monitor: die "$job_id: 'mirror' has been cancelled\n" if !defined($job)
        var h = OnlineLocalRun().Run(stopAt: "mirror-ready");
        h.Succeed("mirror-ready", new MirrorsPolled([]));
        Assert.True(h.Core.RollingBack, "an empty query-block-jobs answer must not look like 'still mirroring'");

        var h2 = OnlineLocalRun().Run(stopAt: "mirror-ready");
        h2.Succeed("mirror-ready", new MirrorsPolled([new BlockJobInfo("scsi1", "mirror", 4 * GiB, 4 * GiB, true, "ready")]));
        Assert.True(h2.Core.RollingBack, "scsi0's mirror job vanished, yet the mirrors were declared ready");
    }

    [Fact]
    public void A_successful_poll_resets_the_failure_count()
    {
        // QemuMigrate::phase2 sets $err_count = 0 after every successful query-migrate; here 9 failures spread
        // over a long migration, plus one more, abort a healthy migration.
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        for (var i = 0; i < 9; i++) h.Fail("query-migrate timed out", final: false);
        h.Succeed("precopy", Active(GiB, 100 << 20));
        Assert.Equal(0, h.Core.AttemptsOf("precopy"));
        h.Fail("query-migrate timed out", final: false);
        Assert.False(h.Core.RollingBack);
    }

    [Fact]
    public void One_conntrack_entry_is_singular()
    {
        // QemuMigrate: my $plural = $num != 1 ? "entries" : "entry";
        var h = MigrationHarness.Started(Request(conntrack: true), Facts(SharedConfig));
        h.ConntrackEntries = 1;
        h.Run();
        Assert.Contains("migrated 1 conntrack state entry", h.Text);
    }

    [Fact]
    public void Offline_copy_progress_reaches_the_task_log()
    {
        // The actor feeds copy progress as StepProgressed(CopyProgressed); the machine has no OnProgress, so
        // a long offline copy logs nothing until it ends. Proxmox logs "transferred X of Y (Z%)" while copying.
        var h = OfflineLocalRun().Run(stopAt: "copy:scsi0");
        h.Now += TimeSpan.FromSeconds(2);
        var events = h.Progress(new CopyProgressed(8 * GiB, 32 * GiB), "copy:scsi0");
        var logged = Assert.IsType<TaskLogged>(Assert.Single(events));
        Assert.Contains(logged.Lines, l => l.EndsWith("transferred 8.0 GiB of 32.0 GiB (25.00%)"));
    }
}

using ActorMigration.Domain.Workflows;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>Rollback before the point of no return, retries, and failures after it.</summary>
public partial class MigrationMachineTests
{
    // ---- rollback before the point of no return ----

    [Fact]
    public void Abort_after_the_target_started_rolls_everything_back()
    {
        var h = OnlineLocalRun().Run(stopAt: "mirror-ready");
        Assert.NotEmpty(h.Abort());
        Assert.True(h.Core.RollingBack);
        Assert.Equal("rollback", h.S.Phase);
        Assert.Equal("received interrupt", h.Core.Error);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-mirrors", "rb-stop-target", "rb-free-target", "rb-resume-source", "rb-unlock"],
            h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
        Assert.Equal(["lock", "prepare", "alloc", "incoming", "mirror-start"], h.Ran.TakeWhile(k => !k.StartsWith("rb-")));

        Assert.Equal("node1", h.Step<CancelMigration>("rb-cancel").Node);
        Assert.Equal(["scsi0", "scsi1"], h.Step<FinishMirrors>("rb-mirrors").Drives);
        Assert.False(h.Step<FinishMirrors>("rb-mirrors").Pivot);
        Assert.Equal("node2", h.Step<StopVm>("rb-stop-target").Node);
        var free = h.Step<DeleteVolumes>("rb-free-target");
        Assert.Equal("node2", free.Node);
        Assert.Equal(["fast:100/vm-100-disk-0.qcow2", "fast:100/vm-100-disk-1.raw"], free.Volids);
        Assert.Equal("node1", h.Step<ResumeVm>("rb-resume-source").Node);

        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Equal("ERROR: migration aborted (duration 00:00:12): received interrupt", h.Text[^2]);
        Assert.Equal("TASK ERROR: migration aborted", h.Log[^1]);
        Assert.DoesNotContain(h.Steps, s => s is MoveVm);
    }

    [Fact]
    public void Abort_before_the_target_started_skips_cancel_mirrors_and_resume()
    {
        var h = OnlineLocalRun().Run(stopAt: "alloc");
        h.Abort();
        h.Run();
        Assert.Equal(["lock", "prepare", "rb-stop-target", "rb-free-target", "rb-unlock"], h.Ran);
    }

    [Fact]
    public void Abort_during_an_offline_copy_frees_the_target_volumes()
    {
        var h = OfflineLocalRun().Run(stopAt: "copy:scsi1");
        h.Abort();
        h.Run();
        Assert.Equal(["lock", "prepare", "copy:scsi0", "rb-free-target", "rb-unlock"], h.Ran);
        Assert.Equal(["local:100/vm-100-disk-0.qcow2", "local:100/vm-100-disk-1.raw"], h.Step<DeleteVolumes>("rb-free-target").Volids);
        Assert.Equal("node2", h.Step<DeleteVolumes>("rb-free-target").Node);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Abort_while_waiting_for_the_lock_only_unlocks()
    {
        var h = OnlineSharedRun();
        h.Abort();
        Assert.Equal("rb-unlock", h.Next!.Key);
        h.Run();
        Assert.Equal(["rb-unlock"], h.Ran);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Second_abort_and_abort_after_the_end_are_ignored()
    {
        var h = OnlineSharedRun().Run(stopAt: "migrate");
        Assert.NotEmpty(h.Abort());
        Assert.Empty(h.Abort());
        h.Run();
        Assert.Empty(h.Abort());
        Assert.Single(h.Of<WorkflowFailed>());
        Assert.Single(h.Of<TaskFinished>());

        var notStarted = new MigrationHarness(Facts(SharedConfig));
        Assert.Empty(notStarted.Abort());
    }

    [Fact]
    public void Abort_after_the_point_of_no_return_is_ignored()
    {
        var h = OnlineLocalRun().Run(stopAt: "resume-target");
        Assert.True(h.Core.PastPointOfNoReturn);
        Assert.Empty(h.Abort());
        h.Run();
        Assert.Equal(OnlineLocal, h.Ran);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Null(h.Core.Error);
    }

    [Fact]
    public void A_final_step_failure_before_the_point_of_no_return_rolls_back_with_its_reason()
    {
        var h = OnlineLocalRun().Run(stopAt: "precopy");
        var events = h.Fail("migration status error: failed - Unable to write to socket: Broken pipe");
        Assert.Contains(events, e => e is WorkflowFailed);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-mirrors", "rb-stop-target", "rb-free-target", "rb-resume-source", "rb-unlock"],
            h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
        Assert.Equal("ERROR: migration aborted (duration 00:00:14): migration status error: failed - Unable to write to socket: Broken pipe", h.Text[^2]);
    }

    [Fact]
    public void Failed_owner_move_is_still_before_the_point_of_no_return()
    {
        var h = OnlineSharedRun().Run(stopAt: "owner");
        h.Fail("VM is locked (backup)");
        Assert.True(h.Core.RollingBack);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-stop-target", "rb-resume-source", "rb-unlock"], h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Failing_rollback_steps_are_warnings_and_the_rollback_goes_on()
    {
        var h = OnlineLocalRun().Run(stopAt: "migrate");
        h.Abort();
        h.Run(stopAt: "rb-stop-target");
        var events = h.Fail("VM 100 not running on node2", final: true);
        Assert.Contains(events, e => e is TaskWarned);
        Assert.Contains(events, e => e is StepCompleted { Key: "rb-stop-target" });
        h.Run();
        Assert.Contains("WARN: VM 100 not running on node2", h.Text);
        Assert.Equal(1, h.Core.Warnings);
        Assert.Equal("rb-unlock", h.Ran[^1]);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Equal("received interrupt", h.Core.Error);
    }

    // ---- retries ----

    [Fact]
    public void Transient_failures_are_retried_up_to_max_attempts()
    {
        var h = OnlineSharedRun().Run(stopAt: "incoming");
        var step = h.Next!;
        Assert.Equal(3, step.MaxAttempts);
        Assert.Equal([new StepAttemptFailed("incoming", "timeout waiting for incoming")], h.Fail("timeout waiting for incoming", final: false));
        Assert.Equal(1, h.Core.AttemptsOf("incoming"));
        h.Fail("timeout waiting for incoming", final: false);
        Assert.Equal(2, h.Core.AttemptsOf("incoming"));
        Assert.False(h.Core.RollingBack);
        h.Succeed("incoming");
        Assert.Equal(0, h.Core.AttemptsOf("incoming"));
        h.Run();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void The_last_allowed_attempt_failing_fails_the_workflow()
    {
        var h = OnlineSharedRun().Run(stopAt: "incoming");
        h.Fail("e1", final: false);
        h.Fail("e2", final: false);
        var events = h.Fail("e3", final: false);
        Assert.Equal([new WorkflowFailed("e3", h.Now)], events);
        Assert.True(h.Core.RollingBack);
        h.Run();
        Assert.Equal("ERROR: migration aborted (duration 00:00:07): e3", h.Text[^2]);
        Assert.Equal(["rb-stop-target", "rb-unlock"], h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
    }

    [Fact]
    public void A_final_refusal_is_not_retried()
    {
        var h = OnlineSharedRun().Run(stopAt: "incoming");
        h.Fail("storage 'fast' is not available", final: true);
        Assert.True(h.Core.RollingBack);
        Assert.Empty(h.Of<StepAttemptFailed>());
    }

    [Fact]
    public void Migration_polling_tolerates_ten_attempts()
    {
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        Assert.Equal(10, h.Next!.MaxAttempts);
        for (var i = 0; i < 9; i++) h.Fail("query-migrate timed out", final: false);
        Assert.False(h.Core.RollingBack);
        Assert.Equal(9, h.Core.AttemptsOf("precopy"));
        h.Fail("query-migrate timed out", final: false);
        Assert.True(h.Core.RollingBack);
    }

    // ---- after the point of no return ----

    [Fact]
    public void Failures_after_the_point_of_no_return_finish_with_problems()
    {
        var h = OnlineLocalRun().Run(stopAt: "resume-target");
        h.Fail("resume failed: VM 100 qmp command 'cont' failed - got timeout", final: false);
        Assert.False(h.Core.RollingBack);
        var events = h.Fail("resume failed: VM 100 qmp command 'cont' failed - got timeout", final: true);
        Assert.Contains(events, e => e is WorkflowFailed);
        Assert.False(h.Core.RollingBack);
        h.Run();
        Assert.Equal(OnlineLocal.Except(["resume-target"]), h.Ran);
        Assert.Contains("ERROR: resume failed: VM 100 qmp command 'cont' failed - got timeout", h.Text);
        Assert.Equal("migration problems", h.Core.ExitStatus);
        Assert.Equal("ERROR: migration finished with problems (duration 00:00:17)", h.Text[^2]);
        Assert.Equal("TASK ERROR: migration problems", h.Log[^1]);
    }

    [Fact]
    public void Every_failure_after_the_point_of_no_return_is_logged_and_the_first_is_kept()
    {
        var h = OnlineLocalRun().Run(stopAt: "stop-source");
        h.Fail("stop failed");
        h.Fail("unable to remove volume", expectKey: "free-source");
        h.Run();
        Assert.Equal("stop failed", h.Core.Error);
        Assert.Contains("ERROR: stop failed", h.Text);
        Assert.Contains("ERROR: unable to remove volume", h.Text);
        Assert.Equal("unlock", h.Ran[^1]);
        Assert.Equal("migration problems", h.Core.ExitStatus);
    }
}

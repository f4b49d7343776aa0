using ActorMigration.Domain.Workflows;

namespace ActorMigration.Domain.Tests.Workflows;

public class WorkflowCoreTests
{
    private static readonly DateTimeOffset T = new(2024, 9, 23, 12, 0, 0, TimeSpan.Zero);
    private const string Upid = "UPID:n1:00000001:00000002:00000003:qmigrate:100:root@pam:";

    private static WorkflowCore Apply(params ITaskEvent[] events) => events.Aggregate(WorkflowCore.Create(Upid), (c, e) => c.Apply(e));

    [Fact]
    public void Created_core_is_idle()
    {
        var c = WorkflowCore.Create(Upid);
        Assert.Equal(Upid, c.Upid);
        Assert.False(c.Started);
        Assert.False(c.IsRunning);
        Assert.False(c.Finished);
        Assert.False(c.Accepted);
        Assert.Empty(c.Log);
        Assert.Empty(c.Done);
        Assert.Equal(0, c.AttemptsOf("x"));
    }

    [Fact]
    public void Start_log_and_finish()
    {
        var c = Apply(new TaskStarted(Upid, T), new TaskLogged(["a", "b"], T.AddSeconds(2)), new TaskLogged(["c"], T.AddSeconds(3)));
        Assert.True(c.IsRunning);
        Assert.Equal(T, c.StartedAt);
        Assert.Equal(["a", "b", "c"], c.Log);
        Assert.Equal(T.AddSeconds(3), c.LastLogAt);

        var f = c.Apply(new TaskFinished(Upid, "WARNINGS: 2", T.AddSeconds(4)));
        Assert.False(f.IsRunning);
        Assert.True(f.Finished);
        Assert.Equal("WARNINGS: 2", f.ExitStatus);
        Assert.Equal(T.AddSeconds(4), f.EndedAt);
        Assert.Equal("TASK WARNINGS: 2", f.Log[^1]);
        Assert.Equal("TASK ERROR: boom", c.Apply(new TaskFinished(Upid, "boom", T)).Log[^1]);
    }

    [Fact]
    public void Attempts_count_up_and_completion_clears_them()
    {
        var c = Apply(new StepAttemptFailed("s", "e"), new StepAttemptFailed("s", "e"), new StepAttemptFailed("t", "e"));
        Assert.Equal(2, c.AttemptsOf("s"));
        Assert.Equal(1, c.AttemptsOf("t"));
        c = c.Apply(new StepCompleted("s"));
        Assert.Equal(0, c.AttemptsOf("s"));
        Assert.Equal(1, c.AttemptsOf("t"));
        Assert.Contains("s", c.Done);
        Assert.DoesNotContain("t", c.Done);
    }

    [Fact]
    public void Attempts_reset_clears_only_that_step()
    {
        var c = Apply(new StepAttemptFailed("s", "e"), new StepAttemptFailed("t", "e"), new StepAttemptsReset("s"));
        Assert.Equal(0, c.AttemptsOf("s"));
        Assert.Equal(1, c.AttemptsOf("t"));
        Assert.DoesNotContain("s", c.Done);
        Assert.Equal(c, c.Apply(new StepAttemptsReset("never-failed")));
    }

    [Fact]
    public void First_failure_wins_and_starts_the_rollback_only_before_the_point_of_no_return()
    {
        var before = Apply(new WorkflowFailed("first", T), new WorkflowFailed("second", T));
        Assert.Equal("first", before.Error);
        Assert.True(before.RollingBack);

        var after = Apply(new PointOfNoReturnPassed(T), new WorkflowFailed("late", T), new WorkflowFailed("later", T));
        Assert.True(after.PastPointOfNoReturn);
        Assert.Equal("late", after.Error);
        Assert.False(after.RollingBack);
    }

    [Fact]
    public void Warnings_accepted_and_rejected()
    {
        var c = Apply(new TaskWarned("a"), new TaskWarned("b"), new TaskAccepted(T));
        Assert.Equal(2, c.Warnings);
        Assert.True(c.Accepted);

        var r = Apply(new TaskStarted(Upid, T), new TaskRejected(Upid, "VM is locked (backup)", T.AddSeconds(1)));
        Assert.True(r.Rejected);
        Assert.True(r.Finished);
        Assert.False(r.IsRunning);
        Assert.Equal("VM is locked (backup)", r.ExitStatus);
        Assert.Empty(r.Log);
    }
}

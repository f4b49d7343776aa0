using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Domain.Tests.Tasks;

public sealed class TaskStateChangeTests
{
    private const string Upid = "UPID:node1:00001234:00005678:6752A3C0:qmigrate:100:root@pam!admin:";
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<object, string, string?, string?> Changes() => new()
    {
        { new TaskStarted(Upid, T0), "started", null, null },
        { new TaskAccepted(T0), "accepted", null, null },
        { new StepCompleted("copy-disks"), "step", "copy-disks", null },
        { new PointOfNoReturnPassed(T0), "point-of-no-return", null, null },
        { new WorkflowFailed("boom", T0), "failed", null, "boom" },
        { new TaskFinished(Upid, "OK", T0), "stopped", null, "OK" },
        { new TaskRejected(Upid, "VM is locked (migrate)", T0), "rejected", null, "VM is locked (migrate)" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Each_state_change_names_its_task_state_and_detail(object evt, string state, string? step, string? status)
    {
        Assert.True(TaskStateChanges.IsStateChange(evt));
        var c = TaskStateChanges.Of(42, Upid, evt, T0.AddSeconds(5))!;
        Assert.Equal((42L, Upid, "node1", "qmigrate", "100", "root@pam!admin"), (c.Position, c.Upid, c.Node, c.Type, c.Id, c.User));
        Assert.Equal((state, step, status), (c.State, c.Step, c.Status));
        Assert.Equal(evt is StepCompleted ? T0.AddSeconds(5) : T0, c.At);
    }

    [Fact]
    public void Log_lines_and_attempts_are_no_state_change()
    {
        Assert.False(TaskStateChanges.IsStateChange(new TaskLogged(["x"], T0)));
        Assert.False(TaskStateChanges.IsStateChange(new StepAttemptFailed("k", "e")));
        Assert.Null(TaskStateChanges.Of(1, Upid, new TaskWarned("w"), T0));
        Assert.Null(TaskStateChanges.Of(1, "not a upid", new TaskAccepted(T0), T0));
    }
}

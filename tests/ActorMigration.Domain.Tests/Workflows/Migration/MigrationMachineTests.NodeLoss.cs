using ActorMigration.Domain.Workflows;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>A node declared down during a migration: the target confirms before the point of no return, nothing waits on a gone node.</summary>
public partial class MigrationMachineTests
{
    private const string Node2Offline = "node 'node2' seems to be offline";
    private const string Node1Offline = "node 'node1' seems to be offline";

    [Fact]
    public void The_target_confirms_the_paused_incoming_vm_of_this_workflow_right_before_the_owner_moves()
    {
        var h = OnlineLocalRun().Run(stopAt: "confirm-target");
        var confirm = Assert.IsType<ConfirmIncoming>(h.Next);
        Assert.Equal(("node2", 100, h.Core.Upid), (confirm.Node, confirm.VmId, confirm.Tag));
        Assert.True(confirm.RecordWithNext);
        Assert.Equal("stop-and-copy", h.S.Phase);
        h.Succeed();
        Assert.IsType<MoveVm>(h.Next);
        Assert.DoesNotContain(OfflineLocalRun().Run().Steps, s => s is ConfirmIncoming);
    }

    [Fact]
    public void A_target_that_cannot_confirm_rolls_back_and_the_source_resumes()
    {
        var h = OnlineLocalRun().Run(stopAt: "confirm-target");
        h.Fail("incoming VM 100 did not receive the complete state (status: inmigrate)", final: false);
        h.Fail("incoming VM 100 did not receive the complete state (status: inmigrate)", final: false);
        h.Fail("incoming VM 100 did not receive the complete state (status: inmigrate)", final: false);
        Assert.True(h.Core.RollingBack);
        h.Run();
        Assert.Contains("rb-resume-source", h.Ran);
        Assert.DoesNotContain(h.Steps, s => s is MoveVm);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Target_lost_before_the_point_of_no_return_rolls_back_at_once_and_skips_its_steps_with_warnings()
    {
        var h = OnlineLocalRun().Run(stopAt: "nbd-stop");
        h.Offline(Node2Offline);
        Assert.True(h.Core.RollingBack);
        Assert.Equal(0, h.Core.AttemptsOf("nbd-stop")); // no retry against a gone node
        h.Succeed("rb-cancel");
        h.Succeed("rb-mirrors");
        h.Offline(Node2Offline, "rb-stop-target");
        h.Offline(Node2Offline, "rb-free-target");
        h.Succeed("rb-resume-source");
        h.Succeed("rb-unlock");
        Assert.True(h.Core.Finished);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Equal(2, h.Text.Count(l => l == $"WARN: {Node2Offline}"));
        Assert.Equal($"ERROR: migration aborted (duration 00:00:16): {Node2Offline}", h.Text[^2]);
        Assert.DoesNotContain(h.Steps, s => s is MoveVm);
    }

    [Fact]
    public void Source_lost_before_the_point_of_no_return_ends_naming_it_cleans_the_target_and_keeps_the_record()
    {
        var h = OnlineLocalRun().Run(stopAt: "precopy");
        h.Offline(Node1Offline);
        h.Offline(Node1Offline, "rb-cancel");
        h.Offline(Node1Offline, "rb-mirrors");
        h.Succeed("rb-stop-target");
        h.Succeed("rb-free-target");
        h.Offline(Node1Offline, "rb-resume-source");
        h.Succeed("rb-unlock");
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Contains(Node1Offline, h.Text[^2]);
        Assert.Equal("node2", h.Step<StopVm>("rb-stop-target").Node);
        Assert.DoesNotContain(h.Steps, s => s is MoveVm);
    }

    [Fact]
    public void Source_lost_after_the_point_of_no_return_skips_its_cleanup_with_warnings()
    {
        var h = OnlineLocalRun().Run(stopAt: "stop-source");
        h.Offline(Node1Offline);
        h.Offline(Node1Offline, "free-source");
        h.Run();
        Assert.Equal("unlock", h.Ran[^1]);
        Assert.Null(h.Core.Error);
        Assert.Equal(2, h.Core.Warnings);
        Assert.Equal("migration finished successfully (duration 00:00:16)", h.Text[^2]);
        Assert.Equal("TASK WARNINGS: 2", h.Log[^1]);
    }

    [Fact]
    public void Target_lost_after_the_point_of_no_return_is_a_problem_not_a_skip()
    {
        var h = OnlineLocalRun().Run(stopAt: "resume-target");
        h.Offline(Node2Offline);
        h.Run();
        Assert.Contains($"ERROR: {Node2Offline}", h.Text);
        Assert.Equal("migration problems", h.Core.ExitStatus);
    }
}

using ActorMigration.Actors.Ha;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Ha;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Ha;

/// <summary>Follow-ups of tasks: applied when the task ends well, dropped otherwise, and still watched after a restart.</summary>
public sealed class HaFollowUpTests : PersistenceTest
{
    private static TaskStatusReply Status(string upid, bool exists, bool running, string? exit) =>
        new(upid, exists, running, exit, "", null, null);

    /// <summary>The task router's answers from now on.</summary>
    private static void Answer(Akka.TestKit.TestProbe tasks, Func<string, TaskStatusReply> status) =>
        tasks.SetAutoPilot(new Akka.TestKit.DelegateAutoPilot((sender, message) =>
        {
            if (message is GetTaskStatus g) sender.Tell(status(g.Upid));
            return Akka.TestKit.AutoPilot.KeepRunning;
        }));

    private static HaConfigRequest PlanAdd(string upid, int vmid) =>
        new(new PlanHaFollowUp(upid, new HaResource(HaSid.OfVm(vmid), "stopped", null, null, null, null), null));

    [Fact]
    public async Task A_resource_planned_at_create_is_added_once_the_task_ends_ok_even_after_a_restart()
    {
        var tasks = CreateTestProbe();
        var store = Sys.ActorOf(HaConfigActor.Props(CreateTestProbe().Ref, tasks.Ref));
        var planned = await store.Ask<HaConfigReply>(PlanAdd("UPID:a", 300));
        Assert.Null(planned.Error);
        Assert.Empty(planned.State.Resources);
        // The store asks the task's status until it has ended.
        tasks.ExpectMsg<GetTaskStatus>(g => g.Upid == "UPID:a");
        tasks.Reply(Status("UPID:a", exists: true, running: true, null));
        await store.GracefulStop(TimeSpan.FromSeconds(3));

        // Another store (a restart, or the singleton on another member) keeps watching.
        Answer(tasks, upid => Status(upid, exists: true, running: false, "OK"));
        var again = Sys.ActorOf(HaConfigActor.Props(CreateTestProbe().Ref, tasks.Ref));
        await AwaitConditionAsync(async () => (await again.Ask<HaConfigReply>(new GetHaConfig())).State.Resources.ContainsKey("vm:300"));
        var state = (await again.Ask<HaConfigReply>(new GetHaConfig())).State;
        Assert.Equal("stopped", state.Resources["vm:300"].State);
        Assert.Empty(state.FollowUps);
    }

    [Fact]
    public async Task A_failed_or_refused_task_drops_its_follow_up_and_a_remove_follows_a_destroy()
    {
        var tasks = CreateTestProbe();
        var store = Sys.ActorOf(HaConfigActor.Props(CreateTestProbe().Ref, tasks.Ref));
        await store.Ask<HaConfigReply>(new HaConfigRequest(new AddHaResource(new HaResource("vm:301", null, null, null, null, null))));
        await store.Ask<HaConfigReply>(PlanAdd("UPID:failed", 302));
        await store.Ask<HaConfigReply>(PlanAdd("UPID:refused", 303));
        await store.Ask<HaConfigReply>(new HaConfigRequest(new PlanHaFollowUp("UPID:destroy", null, "vm:301")));
        Answer(tasks, upid => upid switch
        {
            "UPID:failed" => Status(upid, exists: true, running: false, "unable to create VM 302"),
            "UPID:refused" => Status(upid, exists: false, running: false, "VM is locked (create)"),
            _ => Status(upid, exists: true, running: false, "OK"),
        });
        await AwaitConditionAsync(async () => (await store.Ask<HaConfigReply>(new GetHaConfig())).State.FollowUps.IsEmpty);
        var state = (await store.Ask<HaConfigReply>(new GetHaConfig())).State;
        Assert.Empty(state.Resources);
    }
}

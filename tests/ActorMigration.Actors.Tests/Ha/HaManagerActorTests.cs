using System.Collections.Concurrent;
using ActorMigration.Actors.Ha;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Workflows.HaRecovery;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Ha;

/// <summary>The HA manager's actor: it persists a plan before it starts the task, and starts it again after a restart.</summary>
public sealed class HaManagerActorTests : PersistenceTest
{
    private static readonly HaResource Resource = new("vm:100", null, null, null, null, null);

    /// <summary>Answers each tick with the world as the test sets it: node3 lost and fenced, VM 100 on node3.</summary>
    private sealed class World : IHaObserver
    {
        public volatile bool Lost = true;
        public volatile string VmNode = "node3";
        public readonly ConcurrentDictionary<string, HaTaskView> Tasks = new();
        public readonly ConcurrentQueue<IReadOnlyList<string>> Asked = new();

        public Task<HaObserved> GatherAsync(HaManagerState state, IReadOnlyList<string> running)
        {
            Asked.Enqueue(running);
            var config = HaConfigState.Empty with { Resources = HaConfigState.Empty.Resources.SetItem(Resource.Sid, Resource) };
            var nodes = new Dictionary<string, HaNodeView>
            {
                ["node1"] = new("node1", true, false, HaLease.NotHeld, null, 4L << 30),
                ["node3"] = new("node3", !Lost, false, Lost ? HaLease.Expired : HaLease.NotHeld, DateTimeOffset.UtcNow, null),
            };
            var vms = new Dictionary<int, HaVmView> { [100] = new(100, VmNode, false) };
            var tasks = running.Where(Tasks.ContainsKey).ToDictionary(u => u, u => Tasks[u]);
            return Task.FromResult(new HaObserved(new HaObservation(DateTimeOffset.UtcNow, config, nodes, vms, tasks), []));
        }
    }

    [Fact]
    public async Task A_recovery_is_planned_once_started_and_started_again_by_a_restarted_manager_until_it_ended()
    {
        var world = new World();
        var tasks = CreateTestProbe();
        var manager = Sys.ActorOf(HaManagerActor.Props(world, tasks.Ref));
        var start = tasks.ExpectMsg<StartTask>(TimeSpan.FromSeconds(10));
        var request = Assert.IsType<HaRecoveryRequest>(start.Request);
        Assert.Equal((100, "node3", "node1", true, true), (request.VmId, request.From, request.To, request.FromFenced, request.Start));
        Assert.Contains(request.History, l => l.EndsWith("node 'node3': state changed from 'fence' => 'fenced'", StringComparison.Ordinal));
        tasks.ExpectNoMsg(TimeSpan.FromSeconds(2.5)); // one task, not one per tick
        var state = (await manager.Ask<HaManagerStateReply>(new GetHaManagerState())).State;
        Assert.Equal("recovery", state.CrmOf("vm:100", "node3"));
        Assert.Equal("fenced", state.Nodes["node3"].State);

        // A new incarnation (the singleton moved) starts the same task again, and watches it.
        await manager.GracefulStop(TimeSpan.FromSeconds(3));
        var again = Sys.ActorOf(HaManagerActor.Props(world, tasks.Ref));
        Assert.Equal(start.Upid, tasks.ExpectMsg<StartTask>(TimeSpan.FromSeconds(5)).Upid);
        await AwaitConditionAsync(() => Task.FromResult(world.Asked.Any(r => r.Contains(start.Upid))), TimeSpan.FromSeconds(5));

        world.Tasks[start.Upid] = new HaTaskView(start.Upid, true, null);
        world.VmNode = "node1";
        world.Lost = false;
        await AwaitConditionAsync(async () =>
        {
            var s = (await again.Ask<HaManagerStateReply>(new GetHaManagerState())).State;
            return s.Services.IsEmpty && s.Nodes.IsEmpty;
        }, TimeSpan.FromSeconds(10));
        await again.GracefulStop(TimeSpan.FromSeconds(3));
        Sys.ActorOf(HaManagerActor.Props(world, tasks.Ref));
        tasks.ExpectNoMsg(TimeSpan.FromSeconds(2)); // ended: never started again
    }
}

using System.Collections.Immutable;
using ActorMigration.Actors.Balance;
using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.Scheduling;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;
using Akka.Actor;
using Akka.TestKit;

namespace ActorMigration.Actors.Tests.Scheduling;

/// <summary>
/// The migration queue singleton: no grant before the limits are known, long polls answered on their grant, queued and
/// running entries kept over a restart, maintenance refusal at grant time, and the reconcile tick.
/// </summary>
public sealed class MigrationQueueActorTests : PersistenceTest
{
    private static readonly TimeSpan Wait = TimeSpan.FromMilliseconds(500);

    private static string Upid(int vmid, string node = "node1") => $"UPID:{node}:00000001:00000002:6B000000:qmigrate:{vmid}:root@pam:";

    private static AskSlot Ask(int vmid, string source = "node1", string target = "node2", string cls = SlotClasses.User) =>
        new(Upid(vmid, source), vmid, source, target, new MigrationSlot(cls), Wait);

    private static ClusterConfigState Config(string limits = "cluster=2,outbound=1", params string[] maintenance) =>
        ClusterConfigState.Empty with
        {
            Version = 1,
            Options = new ClusterOptions(null, MigrationLimits.Parse(limits).Limits),
            Maintenance = maintenance.ToImmutableSortedDictionary(n => n, n => new NodeMaintenance(n, DateTimeOffset.UtcNow, "root@pam", null, false),
                StringComparer.Ordinal),
        };

    private (IActorRef Queue, TestProbe Config, TestProbe Tasks) Start(ClusterConfigState? config, MigrationQueueTimings? timings = null)
    {
        var store = CreateTestProbe();
        var tasks = CreateTestProbe();
        var queue = Sys.ActorOf(MigrationQueueActor.Props(CreateTestProbe().Ref, store.Ref, tasks.Ref, timings));
        store.ExpectMsg<GetClusterConfig>();
        if (config is not null) queue.Tell(new ClusterConfigReply(config, null));
        return (queue, store, tasks);
    }

    [Fact]
    public async Task A_poll_beyond_the_limits_is_parked_and_answered_when_a_slot_frees()
    {
        var (queue, _, _) = Start(Config());
        Assert.True((await queue.Ask<SlotReply>(Ask(100))).Granted);
        Assert.True((await queue.Ask<SlotReply>(Ask(200, "node2", "node3"))).Granted);
        // the cluster limit (2) is reached: the first ask answers the position at once, the next one waits its MaxWait
        var first = DateTime.UtcNow;
        Assert.Equal(new SlotReply(false, 0, null), await queue.Ask<SlotReply>(Ask(101)));
        Assert.True(DateTime.UtcNow - first < Wait);
        Assert.Equal(new SlotReply(false, 0, null), await queue.Ask<SlotReply>(Ask(101)));
        Assert.True(DateTime.UtcNow - first >= Wait - TimeSpan.FromMilliseconds(50));
        var view = await queue.Ask<MigrationQueueView>(new GetMigrationQueue());
        Assert.Equal(MigrationLimits.Parse("cluster=2,outbound=1").Limits, view.Limits);
        Assert.Equal([Upid(100), Upid(200, "node2")], view.Running.Select(e => e.Upid).Order());
        Assert.Equal(Upid(101), Assert.Single(view.Queued).Entry.Upid);

        // a parked poll is answered as soon as the slot it waits for is given back
        var parked = queue.Ask<SlotReply>(Ask(101) with { MaxWait = TimeSpan.FromSeconds(2) }, TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        await queue.Ask<SlotGivenBack>(new GiveBackSlot(Upid(100), "migration ended"));
        var started = DateTime.UtcNow;
        Assert.True((await parked).Granted);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
        // asking again while running answers granted at once; giving back twice is harmless
        Assert.True((await queue.Ask<SlotReply>(Ask(101))).Granted);
        await queue.Ask<SlotGivenBack>(new GiveBackSlot(Upid(100), "again"));
    }

    [Fact]
    public async Task Nothing_is_granted_before_the_limits_are_known()
    {
        var (queue, _, _) = Start(null);
        Assert.False((await queue.Ask<SlotReply>(Ask(100))).Granted);
        queue.Tell(new ClusterConfigReply(Config("cluster=5,outbound=2"), null));
        Assert.True((await queue.Ask<SlotReply>(Ask(100))).Granted);
    }

    [Fact]
    public async Task Queued_and_running_entries_survive_a_restart_in_their_order()
    {
        var (queue, _, _) = Start(Config("cluster=1,outbound=1"));
        Assert.True((await queue.Ask<SlotReply>(Ask(100))).Granted);
        await queue.Ask<SlotReply>(Ask(101));
        await queue.Ask<SlotReply>(Ask(102, "node3", "node2", SlotClasses.Rebalance));
        await queue.Ask<SlotReply>(Ask(103, "node2", "node3", SlotClasses.Maintenance));
        await queue.GracefulStop(TimeSpan.FromSeconds(3));

        var (again, _, _) = Start(Config("cluster=1,outbound=1"));
        var view = await again.Ask<MigrationQueueView>(new GetMigrationQueue());
        Assert.Equal(Upid(100), Assert.Single(view.Running).Upid);
        // priority first (maintenance, user, rebalance), then arrival
        Assert.Equal([Upid(103, "node2"), Upid(101), Upid(102, "node3")], view.Queued.Select(q => q.Entry.Upid));
        Assert.Equal([0, 1, 2], view.Queued.Select(q => q.Ahead));
        // the running one is still counted: granting it again does not exceed the limit
        Assert.True((await again.Ask<SlotReply>(Ask(100))).Granted);
        Assert.False((await again.Ask<SlotReply>(Ask(101))).Granted);
    }

    [Fact]
    public async Task A_target_in_maintenance_is_refused_at_grant_time()
    {
        var (queue, _, _) = Start(Config("cluster=1,outbound=1"));
        Assert.True((await queue.Ask<SlotReply>(Ask(100))).Granted);
        Assert.False((await queue.Ask<SlotReply>(Ask(101, "node3", "node2"))).Granted);
        var parked = queue.Ask<SlotReply>(Ask(101, "node3", "node2") with { MaxWait = TimeSpan.FromSeconds(2) }, TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        // node2 goes into maintenance while 101 waits for it: its poll is answered with the refusal
        queue.Tell(new ClusterConfigChanged(Config("cluster=1,outbound=1", "node2") with { Version = 2 }));
        Assert.Equal(new SlotReply(false, 0, "node 'node2' is in maintenance mode"), await parked);
        var view = await queue.Ask<MigrationQueueView>(new GetMigrationQueue());
        Assert.Empty(view.Queued);
        // an older copy of the configuration is ignored
        queue.Tell(new ClusterConfigChanged(Config("cluster=9,outbound=9")));
        Assert.Equal(1, (await queue.Ask<MigrationQueueView>(new GetMigrationQueue())).Limits!.Cluster);
    }

    [Fact]
    public async Task The_reconcile_tick_releases_the_slot_of_a_task_that_ended_without_giving_it_back()
    {
        var timings = new MigrationQueueTimings(TimeSpan.FromMilliseconds(200), TimeSpan.Zero, TimeSpan.FromHours(1));
        var (queue, _, tasks) = Start(Config("cluster=1,outbound=1"), timings);
        Assert.True((await queue.Ask<SlotReply>(Ask(100))).Granted);
        var ask = tasks.ExpectMsg<GetTaskStatus>(TimeSpan.FromSeconds(3));
        Assert.Equal(Upid(100), ask.Upid);
        // still running: kept
        tasks.Reply(new TaskStatusReply(ask.Upid, true, true, null, "precopy-iterations", DateTimeOffset.UtcNow, null));
        Assert.Single((await queue.Ask<MigrationQueueView>(new GetMigrationQueue())).Running);
        // ended: released, and the queued one behind it is granted
        Assert.False((await queue.Ask<SlotReply>(Ask(101))).Granted);
        var parked = queue.Ask<SlotReply>(Ask(101) with { MaxWait = TimeSpan.FromSeconds(2) }, TimeSpan.FromSeconds(5));
        ask = tasks.FishForMessage<GetTaskStatus>(m => m.Upid == Upid(100), TimeSpan.FromSeconds(3));
        tasks.Reply(new TaskStatusReply(ask.Upid, true, false, "OK", "done", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        Assert.True((await parked).Granted);
        Assert.Equal(Upid(101), Assert.Single((await queue.Ask<MigrationQueueView>(new GetMigrationQueue())).Running).Upid);
    }

    [Fact]
    public void Queue_messages_cross_members_through_our_serializer()
    {
        var serializer = new ActorMigrationSerializer((ExtendedActorSystem)Sys);
        object[] messages =
        [
            Ask(100), new SlotReply(false, 3, null), new GiveBackSlot(Upid(100), "migration ended"), new SlotGivenBack(Upid(100)),
            new GetMigrationQueue(),
            // the cluster configuration's commands travel to its singleton on another member as well
            new ClusterConfigRequest(new SetClusterOptions(new ClusterOptions(3, MigrationLimits.Default), ["max_workers"], "root@pam")),
            new ClusterConfigRequest(new DisableMaintenance("node2", "root@pam")),
        ];
        foreach (var m in messages)
        {
            var back = serializer.FromBinary(serializer.ToBinary(m), serializer.Manifest(m));
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(m), System.Text.Json.JsonSerializer.Serialize(back));
        }
    }
}

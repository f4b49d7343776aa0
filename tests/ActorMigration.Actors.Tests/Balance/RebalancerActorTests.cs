using System.Collections.Concurrent;
using ActorMigration.Actors.Balance;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Workflows.Migration;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Balance;

/// <summary>
/// The rebalancer's actor: the plan is persisted before its moves start; a restart re-sends exactly the unended moves; a
/// snapshot is saved when a plan ends.
/// </summary>
public sealed class RebalancerActorTests : PersistenceTest
{
    private const long GiB = 1L << 30;

    /// <summary>node1 holds six 2 GiB VMs, node2 and node3 none; a move's task ends when the test says so.</summary>
    private sealed class World : IRebalanceObserver
    {
        public readonly ConcurrentDictionary<string, string> Ended = new();
        public volatile int Observed;

        public DateTimeOffset Now => DateTimeOffset.UtcNow;

        public bool MayAct() => true;

        public Task SampleAsync(RebalanceOptions options) => Task.CompletedTask;

        public Task<BalanceObservation> ObserveAsync(RebalancerState state)
        {
            Interlocked.Increment(ref Observed);
            var nodes = new[] { "node1", "node2", "node3" }.Select(n => new NodeCapacity(n, true, false, 16 * GiB, 8, "9.0", "GenuineIntel")).ToList();
            var vms = Enumerable.Range(100, 6).Select(id => new VmDemand(id, "node1", true, 2 * GiB, 2, null, null)).ToList();
            return Task.FromResult(new BalanceObservation(nodes, vms, new Dictionary<int, MoveBlock>(), new Dictionary<int, Domain.Ha.HaGroup>(), [],
                state.LastMoved));
        }

        public Task<RebalanceTasks> TasksAsync(IReadOnlyList<string> upids) =>
            Task.FromResult(new RebalanceTasks(upids.Where(Ended.ContainsKey).ToDictionary(u => u, u => Ended[u]), []));
    }

    [Fact]
    public async Task A_plan_is_persisted_before_its_moves_start_and_a_restart_resends_exactly_the_unended_moves_and_plans_nothing_new()
    {
        var world = new World();
        var tasks = CreateTestProbe();
        var rebalancer = Sys.ActorOf(RebalancerActor.Props(world, tasks.Ref));
        var dry = await rebalancer.Ask<RebalanceDryRun>(new PlanRebalance(null), TimeSpan.FromSeconds(5));
        Assert.True(dry.Plan.Moves.Count >= 2, dry.Plan.Stop);
        tasks.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // a dry run starts nothing

        var applied = await rebalancer.Ask<RebalanceApplied>(new ApplyRebalance("root@pam", dry.Digest), TimeSpan.FromSeconds(5));
        Assert.Equal(dry.Plan.Moves.Count, applied.Upids.Count);
        var starts = applied.Upids.Select(_ => tasks.ExpectMsg<StartTask>(TimeSpan.FromSeconds(5))).ToList();
        Assert.Equal(applied.Upids, starts.Select(s => s.Upid));
        var order = Assert.IsType<MigrationOrder>(starts[0].Request);
        Assert.Equal(SlotClasses.Rebalance, order.Slot.Class);
        Assert.Equal((dry.Plan.Moves[0].VmId, "node1", dry.Plan.Moves[0].To), (order.Request.VmId, order.Request.Source, order.Request.Target));
        var refused = await rebalancer.Ask<RebalanceRefused>(new ApplyRebalance("root@pam", null), TimeSpan.FromSeconds(5));
        Assert.Equal("rebalance plan 1 is still running", refused.Error);

        // The first move ends; a restart (the singleton moved) re-sends the others only, and plans nothing new.
        world.Ended[applied.Upids[0]] = "OK";
        await AwaitConditionAsync(async () =>
            (await rebalancer.Ask<RebalancerStatusReply>(new GetRebalancer())).State.Active?.Ended.Count == 1, TimeSpan.FromSeconds(5));
        await rebalancer.GracefulStop(TimeSpan.FromSeconds(3));
        var observed = world.Observed;
        var again = Sys.ActorOf(RebalancerActor.Props(world, tasks.Ref));
        var resent = applied.Upids.Skip(1).Select(_ => tasks.ExpectMsg<StartTask>(TimeSpan.FromSeconds(5)).Upid).ToList();
        Assert.Equal(applied.Upids.Skip(1), resent);
        tasks.ExpectNoMsg(TimeSpan.FromSeconds(1.5));
        Assert.Equal(observed, world.Observed);

        // All end: the plan ends ok, and a further restart starts nothing.
        foreach (var u in applied.Upids) world.Ended[u] = "OK";
        await AwaitConditionAsync(async () =>
        {
            var s = (await again.Ask<RebalancerStatusReply>(new GetRebalancer())).State;
            return s.Active is null && s.History is [{ Status: "ok" }];
        }, TimeSpan.FromSeconds(5));
        await again.GracefulStop(TimeSpan.FromSeconds(3));
        var snapshot = await Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null).Ask<Akka.Persistence.LoadSnapshotResult>(
            new Akka.Persistence.LoadSnapshot("rebalancer", Akka.Persistence.SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(5));
        Assert.True(snapshot.Snapshot?.Snapshot is RebalancerState { Active: null, History: [{ Status: "ok" }] }, "a snapshot when the plan ended");
        Sys.ActorOf(RebalancerActor.Props(world, tasks.Ref));
        tasks.ExpectNoMsg(TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Mode_off_refuses_plans_and_a_stale_digest_starts_nothing()
    {
        var world = new World();
        var tasks = CreateTestProbe();
        var rebalancer = Sys.ActorOf(RebalancerActor.Props(world, tasks.Ref));
        var stale = await rebalancer.Ask<RebalanceRefused>(new ApplyRebalance("root@pam", "0000"), TimeSpan.FromSeconds(5));
        Assert.Equal(RebalancerActor.DigestError, stale.Error);
        await rebalancer.Ask<RebalancerStatusReply>(new SetRebalancerOptions(RebalanceOptions.Default with { Mode = RebalanceModes.Off }));
        Assert.Equal(RebalancerActor.OffError, (await rebalancer.Ask<RebalanceRefused>(new PlanRebalance(null))).Error);
        Assert.Equal(RebalancerActor.OffError, (await rebalancer.Ask<RebalanceRefused>(new ApplyRebalance("root@pam", null))).Error);
        var bad = await rebalancer.Ask<RebalanceRefused>(new SetRebalancerOptions(RebalanceOptions.Default with { Target = 0.5 }));
        Assert.Contains("target", bad.Error, StringComparison.Ordinal);
        tasks.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, (await rebalancer.Ask<RebalancerStatusReply>(new GetRebalancer())).State.Plans);
    }
}

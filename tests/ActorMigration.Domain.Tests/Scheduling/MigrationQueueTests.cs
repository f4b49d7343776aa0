using System.Collections.Immutable;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;

namespace ActorMigration.Domain.Tests.Scheduling;

/// <summary>
/// The migration queue: limits never exceeded, FIFO per priority, no head-of-line blocking across nodes, positions,
/// idempotent requests and releases, maintenance targets refused.
/// </summary>
public sealed class MigrationQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly MigrationSlot User = new(SlotClasses.User);

    private sealed class Queue(MigrationLimits? limits = null)
    {
        public MigrationQueueState State = MigrationQueueState.Empty;
        public MigrationLimits Limits = limits ?? MigrationLimits.Default;
        public Func<string, bool>? Maintenance;
        public readonly List<IQueueEvent> All = [];

        public IReadOnlyList<IQueueEvent> Do(IQueueCommand c, DateTimeOffset? at = null)
        {
            var events = MigrationQueue.Decide(State, c, Limits, at ?? T0, Maintenance);
            foreach (var e in events) State = MigrationQueue.Apply(State, e);
            All.AddRange(events);
            return events;
        }

        public IReadOnlyList<IQueueEvent> Ask(string upid, string source, string target, MigrationSlot? slot = null, int vmid = 100) =>
            Do(new RequestSlot(upid, vmid, source, target, slot ?? User));

        public IReadOnlyList<IQueueEvent> Release(string upid) => Do(new ReleaseSlot(upid, "task ended"));

        public string[] Running => [.. State.Running.Keys];

        public string[] Queued => [.. MigrationQueue.Order(State).Select(e => e.Upid)];
    }

    private static string[] Granted(IEnumerable<IQueueEvent> events) => [.. events.OfType<SlotGranted>().Select(g => g.Upid)];

    private static void AssertWithinLimits(MigrationQueueState s, MigrationLimits l)
    {
        Assert.True(s.Running.Count <= l.Cluster, $"{s.Running.Count} running > cluster {l.Cluster}");
        Assert.All(s.Running.Values.GroupBy(e => e.Source), g => Assert.True(g.Count() <= l.Outbound, $"{g.Count()} out of {g.Key}"));
        if (l.Inbound is { } inb) Assert.All(s.Running.Values.GroupBy(e => e.Target), g => Assert.True(g.Count() <= inb, $"{g.Count()} into {g.Key}"));
        Assert.Empty(s.Running.Keys.Intersect(s.Queued.Keys));
    }

    [Fact]
    public void Twelve_requests_never_exceed_five_in_the_cluster_or_two_out_of_a_node_and_each_is_granted_once()
    {
        var q = new Queue();
        var sources = Enumerable.Repeat("node1", 6).Concat(Enumerable.Repeat("node2", 3)).Concat(Enumerable.Repeat("node3", 3)).ToArray();
        for (var i = 0; i < sources.Length; i++)
        {
            var target = sources[i] == "node1" ? (i % 2 == 0 ? "node2" : "node3") : "node1";
            q.Ask($"u{i:00}", sources[i], target, vmid: 100 + i);
            AssertWithinLimits(q.State, q.Limits);
        }
        Assert.Equal(5, q.State.Running.Count);
        Assert.Equal(["u00", "u01", "u06", "u07", "u09"], q.Running);

        var rng = new Random(7);
        var at = T0;
        while (q.State.Running.Count > 0)
        {
            at = at.AddSeconds(1);
            var running = q.Running;
            q.Do(new ReleaseSlot(running[rng.Next(running.Length)], "task ended"), at);
            AssertWithinLimits(q.State, q.Limits);
            Assert.True(q.State.Queued.Count == 0 || q.State.Running.Count > 0);
        }
        Assert.Empty(q.State.Queued);
        Assert.Equal(12, q.All.OfType<SlotGranted>().Select(g => g.Upid).Distinct().Count());
        Assert.Equal(12, q.All.OfType<SlotGranted>().Count());
    }

    [Fact]
    public void Positions_count_every_entry_ahead_in_priority_then_arrival_order()
    {
        var q = new Queue(new MigrationLimits(1, 1, null));
        q.Ask("a", "node1", "node2");
        q.Ask("b", "node1", "node2");
        q.Ask("c", "node2", "node3", new MigrationSlot(SlotClasses.Rebalance));
        q.Ask("d", "node3", "node1");
        Assert.Equal(["a"], q.Running);
        Assert.Equal(["b", "d", "c"], q.Queued);
        Assert.Equal([0, 1, 2], new[] { "b", "d", "c" }.Select(u => MigrationQueue.Ahead(q.State, u)));
        Assert.Null(MigrationQueue.Ahead(q.State, "a"));
        Assert.Null(MigrationQueue.Ahead(q.State, "zzz"));

        // A higher priority arriving later goes first: positions behind it grow.
        q.Ask("e", "node3", "node2", new MigrationSlot(SlotClasses.Maintenance));
        Assert.Equal(["e", "b", "d", "c"], q.Queued);
        Assert.Equal(2, MigrationQueue.Ahead(q.State, "d"));
    }

    [Fact]
    public void A_release_regrants_the_next_in_order_at_once()
    {
        var q = new Queue(new MigrationLimits(2, 2, null));
        q.Ask("a", "node1", "node2");
        q.Ask("b", "node2", "node3");
        q.Ask("c", "node3", "node1");
        q.Ask("d", "node3", "node2");
        var at = T0.AddSeconds(30);
        var events = q.Do(new ReleaseSlot("a", "task ended"), at);
        Assert.Equal([new SlotReleased("a", "task ended", at), new SlotGranted("c", at)], events);
        Assert.Equal(at, q.State.Running["c"].Since);
        Assert.Equal(["b", "c"], q.Running);
        Assert.Equal(["d"], q.Queued);
        // A queued entry may leave too (abort while queued); it grants nothing while the cluster is full.
        Assert.Equal([new SlotReleased("d", "aborted", at)], q.Do(new ReleaseSlot("d", "aborted"), at));
        Assert.Empty(q.State.Queued);
    }

    [Fact]
    public void A_node_at_its_outbound_limit_does_not_hold_back_other_nodes()
    {
        var q = new Queue();
        foreach (var u in new[] { "n1a", "n1b", "n1c", "n1d" }) q.Ask(u, "node1", "node2");
        Assert.Equal(["n1a", "n1b"], q.Running);
        Assert.Equal(["n1c", "n1d"], q.Queued);
        Assert.Equal(["n2a"], Granted(q.Ask("n2a", "node2", "node3")));
        Assert.Equal(["n3a"], Granted(q.Ask("n3a", "node3", "node1")));
        Assert.Equal(["n1c", "n1d"], q.Queued);
        // Within node1 the order stays strict: the first queued gets node1's freed slot.
        Assert.Equal(["n1c"], Granted(q.Release("n1a")));
    }

    [Fact]
    public void Fifo_per_priority_evacuation_before_user_before_rebalance()
    {
        var q = new Queue(new MigrationLimits(1, 1, null));
        q.Ask("run", "node1", "node2");
        q.Ask("r1", "node1", "node2", new MigrationSlot(SlotClasses.Rebalance));
        q.Ask("u1", "node2", "node3");
        q.Ask("m1", "node3", "node1", new MigrationSlot(SlotClasses.Maintenance));
        q.Ask("u2", "node3", "node2");
        q.Ask("m2", "node2", "node1", new MigrationSlot(SlotClasses.Maintenance));
        var order = new List<string>();
        while (q.State.Running.Count > 0)
        {
            var next = Granted(q.Release(q.Running.Single()));
            order.AddRange(next);
        }
        Assert.Equal(["m1", "m2", "u1", "u2", "r1"], order);
    }

    [Fact]
    public void A_repeated_request_or_release_changes_nothing()
    {
        var q = new Queue(new MigrationLimits(1, 1, null));
        q.Ask("a", "node1", "node2");
        q.Ask("b", "node2", "node3");
        var before = q.State;
        Assert.Empty(q.Ask("a", "node1", "node2"));
        Assert.Empty(q.Ask("b", "node2", "node3", new MigrationSlot(SlotClasses.Maintenance)));
        Assert.Same(before, q.State);
        Assert.Equal(2, q.State.NextSeq);

        Assert.Single(q.Release("b"));
        Assert.Empty(q.Release("b"));
        Assert.Empty(q.Release("never-seen"));
        Assert.Equal(["a"], q.Running);
    }

    [Fact]
    public void Inbound_limit_and_group_cap_are_kept_without_blocking_others()
    {
        var q = new Queue(new MigrationLimits(10, 10, 1));
        Assert.Equal(["a"], Granted(q.Ask("a", "node1", "node3")));
        Assert.Empty(q.Ask("b", "node2", "node3").OfType<SlotGranted>());
        Assert.Equal(["c"], Granted(q.Ask("c", "node2", "node1")));

        var bulk = new MigrationSlot(SlotClasses.User, "UPID:bulk", 2);
        var g = new Queue(new MigrationLimits(10, 10, null));
        foreach (var u in new[] { "g1", "g2", "g3", "g4" }) g.Ask(u, "node1", "node2", bulk);
        Assert.Equal(["g1", "g2"], g.Running);
        Assert.Equal(["x"], Granted(g.Ask("x", "node1", "node2")));
        Assert.Equal(["g3"], Granted(g.Release("g1")));
    }

    [Fact]
    public void Lowered_limits_grant_nothing_until_enough_have_ended_and_raised_limits_grant_on_regrant()
    {
        var q = new Queue(new MigrationLimits(4, 4, null));
        foreach (var u in new[] { "a", "b", "c", "d", "e", "f" }) q.Ask(u, "node1", "node2");
        Assert.Equal(4, q.State.Running.Count);
        q.Limits = new MigrationLimits(2, 2, null);
        Assert.Empty(q.Do(new Regrant()));
        Assert.Empty(Granted(q.Release("a")));
        Assert.Empty(Granted(q.Release("b")));
        Assert.Equal(["e"], Granted(q.Release("c")));
        q.Limits = new MigrationLimits(5, 5, null);
        Assert.Equal(["f"], Granted(q.Do(new Regrant())));
    }

    [Fact]
    public void A_queued_entry_whose_target_is_in_maintenance_is_released_not_granted()
    {
        var q = new Queue(new MigrationLimits(1, 1, null));
        q.Ask("run", "node1", "node2");
        q.Ask("to2", "node3", "node2");
        q.Ask("to1", "node3", "node1");
        q.Maintenance = n => n == "node2";
        var at = T0.AddSeconds(5);
        Assert.Equal([new SlotReleased("to2", "node 'node2' is in maintenance mode", at)], q.Do(new Regrant(), at));
        Assert.Equal(["run"], q.Running); // running migrations go on
        Assert.Equal(["to1"], q.Queued);

        var events = q.Ask("late", "node1", "node2");
        Assert.IsType<SlotQueued>(events[0]);
        Assert.Equal(new SlotReleased("late", "node 'node2' is in maintenance mode", T0), events[1]);
        Assert.False(q.State.Knows("late"));
    }

    [Fact]
    public void The_cluster_config_gives_limits_and_maintenance()
    {
        var config = ClusterConfigState.Empty with
        {
            Options = new ClusterOptions(null, new MigrationLimits(1, 1, null)),
            Maintenance = ImmutableSortedDictionary<string, NodeMaintenance>.Empty.Add("node3", new NodeMaintenance("node3", T0, "root@pam", null, false)),
        };
        var s = MigrationQueueState.Empty;
        foreach (var (u, target) in new[] { ("a", "node2"), ("b", "node3"), ("c", "node2") })
            s = MigrationQueue.Decide(s, new RequestSlot(u, 100, "node1", target, User), config, T0).Aggregate(s, MigrationQueue.Apply);
        Assert.Equal(["a"], s.Running.Keys);
        Assert.Equal(["c"], s.Queued.Keys);
    }

    [Fact]
    public void Replaying_the_events_rebuilds_the_state_and_arrival_numbers()
    {
        var q = new Queue(new MigrationLimits(2, 1, null));
        q.Ask("a", "node1", "node2");
        q.Ask("b", "node1", "node3");
        q.Ask("c", "node2", "node3");
        q.Release("a");
        q.Ask("d", "node3", "node1");
        var replayed = q.All.Aggregate(MigrationQueueState.Empty, MigrationQueue.Apply);
        Assert.Equal(q.State.NextSeq, replayed.NextSeq);
        Assert.Equal(4, replayed.NextSeq);
        Assert.Equal(q.State.Running.Values, replayed.Running.Values);
        Assert.Equal(q.State.Queued.Values, replayed.Queued.Values);
        Assert.Equal(3, q.State.Queued["d"].Seq);
    }
}

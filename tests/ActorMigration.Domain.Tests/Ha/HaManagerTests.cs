using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Tasks;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>The HA manager's decisions, driven by observations: fencing, recovery, restarts, relocations, error.</summary>
public sealed class HaManagerTests
{
    private const long GiB = 1L << 30;
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A cluster of node1..node3, the manager's state, and what the next observation shows.</summary>
    private sealed class World
    {
        public HaManagerState State = HaManagerState.Empty;
        public HaConfigState Config = HaConfigState.Empty;
        public DateTimeOffset At = T0;
        public readonly Dictionary<string, HaNodeView> Nodes = new()
        {
            ["node1"] = new("node1", true, false, HaLease.NotHeld, null, 4 * GiB),
            ["node2"] = new("node2", true, false, HaLease.NotHeld, null, 8 * GiB),
            ["node3"] = new("node3", true, false, HaLease.NotHeld, null, 2 * GiB),
        };
        public readonly Dictionary<int, HaVmView> Vms = [];
        public readonly Dictionary<string, HaTaskView> Tasks = [];
        public readonly List<IHaManagerEvent> Events = [];

        public World Resource(int vmid, string node, string? state = null, string? group = null, int? maxRestart = null, int? maxRelocate = null)
        {
            var r = new HaResource(HaSid.OfVm(vmid), state, maxRestart, maxRelocate, group, null);
            Config = Config with { Resources = Config.Resources.SetItem(r.Sid, r) };
            Vms[vmid] = new HaVmView(vmid, node, false);
            return this;
        }

        public void Lose(string node, HaLease lease = HaLease.Held) =>
            Nodes[node] = Nodes[node] with { Online = false, Lease = lease, LeaseExpiresAt = At.AddSeconds(-1), FreeMemory = null };

        public IReadOnlyList<IHaManagerEvent> Tick(TimeSpan? after = null)
        {
            At += after ?? TimeSpan.FromSeconds(1);
            var events = HaManager.Decide(State, new HaObservation(At, Config, Nodes, Vms, Tasks));
            foreach (var e in events) State = HaManager.Apply(State, e);
            Events.AddRange(events);
            return events;
        }

        public HaRecoveryPlanned Planned(int vmid) => Events.OfType<HaRecoveryPlanned>().Last(p => p.Sid == HaSid.OfVm(vmid));

        /// <summary>The planned task ended; its record is then where the task left it.</summary>
        public void End(int vmid, string? error, string recordNode)
        {
            Tasks[Planned(vmid).Upid] = new HaTaskView(Planned(vmid).Upid, true, error);
            Vms[vmid] = Vms[vmid] with { Node = recordNode };
        }
    }

    [Fact]
    public void A_lost_node_with_ha_vms_is_fenced_only_once_its_lease_expired_then_each_vm_gets_one_recovery()
    {
        var w = new World().Resource(100, "node3").Resource(101, "node3");
        w.Vms[102] = new HaVmView(102, "node3", false); // not HA-managed
        Assert.Empty(w.Tick());
        w.Lose("node3");
        var fence = Assert.Single(w.Tick());
        Assert.Equal("fence", Assert.IsType<HaNodeStateChanged>(fence).State);
        Assert.Equal("fence", w.State.CrmOf("vm:100", "node3"));
        Assert.Empty(w.Tick()); // the lease still runs: no recovery
        w.Nodes["node3"] = w.Nodes["node3"] with { Lease = HaLease.Expired };
        var events = w.Tick();
        Assert.Equal("fenced", Assert.IsType<HaNodeStateChanged>(events[0]).State);
        var plans = events.OfType<HaRecoveryPlanned>().ToList();
        Assert.Equal(["vm:100", "vm:101"], plans.Select(p => p.Sid));
        // The most free memory (node2); the UPID is the target's, type ha-recovery.
        Assert.All(plans, p => Assert.Equal(("node3", "node2", HaManager.Recover, true), (p.From, p.To, p.Kind, p.Start)));
        var upid = Upid.Parse(plans[0].Upid);
        Assert.Equal(("node2", "ha-recovery", "100"), (upid.Node, upid.Type, upid.Id));
        Assert.NotEqual(plans[0].Upid, plans[1].Upid);
        Assert.Contains(plans[0].History, l => l.EndsWith("node 'node3': state changed from 'online' => 'fence'", StringComparison.Ordinal));
        Assert.Contains(plans[0].History,
            l => l.Contains("fencing: acknowledged - the lease of node 'node3' expired at 12:00:00.000", StringComparison.Ordinal));
        Assert.Equal("recovery", w.State.CrmOf("vm:100", "node3"));
        Assert.Empty(w.Tick()); // one recovery each, not one per tick
        var request = HaManager.RequestOf(plans[0]);
        Assert.Equal((100, "node3", "node2", true, true), (request.VmId, request.From, request.To, request.FromFenced, request.Start));
    }

    [Fact]
    public void A_lease_that_no_member_holds_keeps_the_node_in_fence()
    {
        var w = new World().Resource(100, "node3");
        w.Lose("node3", HaLease.NotHeld);
        w.Tick();
        w.Tick(TimeSpan.FromMinutes(5));
        Assert.Equal("fence", w.State.Nodes["node3"].State);
        Assert.Empty(w.Events.OfType<HaRecoveryPlanned>());
    }

    [Fact]
    public void A_lost_node_without_ha_vms_and_ignored_resources_are_left_alone()
    {
        var w = new World().Resource(100, "node3", state: HaStates.Ignored);
        w.Vms[102] = new HaVmView(102, "node3", false);
        w.Lose("node3", HaLease.Expired);
        Assert.Empty(w.Tick());
        Assert.Empty(w.State.Nodes);
    }

    [Fact]
    public void Group_priority_picks_the_target_and_a_node_in_maintenance_is_neither_target_nor_fenced()
    {
        var w = new World().Resource(100, "node3", group: "g");
        w.Config = w.Config with
        {
            Groups = w.Config.Groups.SetItem("g", new HaGroup("g", HaNodeList.Parse("node1:2,node2:1").Nodes, null, null, null)),
        };
        w.Nodes["node1"] = w.Nodes["node1"] with { Maintenance = true };
        w.Lose("node3", HaLease.Expired);
        w.Tick();
        Assert.Equal("node2", w.Planned(100).To);

        var m = new World().Resource(100, "node3");
        m.Nodes["node3"] = m.Nodes["node3"] with { Online = false, Maintenance = true, Lease = HaLease.Expired };
        Assert.Empty(m.Tick());
    }

    [Fact]
    public void A_locked_vm_waits_and_no_candidate_means_no_recovery_yet()
    {
        var w = new World().Resource(100, "node3");
        w.Vms[100] = w.Vms[100] with { Locked = true };
        w.Lose("node3", HaLease.Expired);
        w.Tick();
        Assert.Equal("fenced", w.State.Nodes["node3"].State);
        Assert.Empty(w.Events.OfType<HaRecoveryPlanned>());
        w.Vms[100] = w.Vms[100] with { Locked = false };
        foreach (var n in new[] { "node1", "node2" }) w.Nodes[n] = w.Nodes[n] with { FreeMemory = null };
        Assert.Empty(w.Tick());
        w.Nodes["node1"] = w.Nodes["node1"] with { FreeMemory = GiB };
        Assert.Equal("node1", Assert.Single(w.Tick().OfType<HaRecoveryPlanned>()).To);
    }

    [Fact]
    public void A_recovery_that_ended_ok_is_forgotten_and_the_node_back_online_leaves_fencing()
    {
        var w = new World().Resource(100, "node3");
        w.Lose("node3", HaLease.Expired);
        w.Tick();
        w.End(100, null, "node2");
        w.Vms[100] = w.Vms[100] with { Node = "node3" }; // this member's read model has not seen the move yet
        Assert.IsType<HaRecoveryEnded>(Assert.Single(w.Tick()));
        Assert.Empty(w.Tick(HaManager.RetryAfter)); // no second recovery from a late view
        w.Vms[100] = w.Vms[100] with { Node = "node2" };
        Assert.IsType<HaServiceCleared>(Assert.Single(w.Tick()));
        Assert.Empty(w.State.Services);
        Assert.Null(w.State.CrmOf("vm:100", "node2"));
        w.Nodes["node3"] = w.Nodes["node3"] with { Online = true };
        Assert.Equal("online", Assert.IsType<HaNodeStateChanged>(Assert.Single(w.Tick())).State);
        Assert.Empty(w.State.Nodes);
    }

    [Fact]
    public void Failed_starts_restart_max_restart_times_then_relocate_max_relocate_times_then_error_until_disabled()
    {
        var w = new World().Resource(100, "node3", maxRestart: 1, maxRelocate: 1);
        w.Lose("node3", HaLease.Expired);
        w.Tick();
        Assert.Equal("node2", w.Planned(100).To);
        w.End(100, "start failed", "node2");
        w.Tick();
        Assert.Empty(w.Events.OfType<HaRecoveryPlanned>().Skip(1)); // waits before the next try
        Assert.Equal("recovery", w.State.CrmOf("vm:100", "node2"));
        w.Tick(HaManager.RetryAfter);
        Assert.Equal(("node2", "node2", HaManager.Restart, false), (w.Planned(100).From, w.Planned(100).To, w.Planned(100).Kind,
            HaManager.RequestOf(w.Planned(100)).FromFenced));
        w.End(100, "start failed", "node2");
        w.Tick();
        w.Tick(HaManager.RetryAfter);
        Assert.Equal(("node2", "node1", HaManager.Relocate), (w.Planned(100).From, w.Planned(100).To, w.Planned(100).Kind));
        w.End(100, "start failed", "node1");
        w.Tick();
        w.Tick(HaManager.RetryAfter); // a restart on the new node
        Assert.Equal(("node1", HaManager.Restart), (w.Planned(100).To, w.Planned(100).Kind));
        w.End(100, "start failed", "node1");
        w.Tick();
        var failed = Assert.IsType<HaServiceFailed>(Assert.Single(w.Tick(HaManager.RetryAfter)));
        Assert.Contains("start failed on node(s) node2, node1", failed.Reason);
        Assert.Equal("error", w.State.CrmOf("vm:100", "node1"));
        Assert.Empty(w.Tick(TimeSpan.FromMinutes(10))); // stays in error
        w.Config = w.Config with { Resources = w.Config.Resources.SetItem("vm:100", w.Config.Resources["vm:100"] with { State = HaStates.Disabled }) };
        Assert.IsType<HaServiceCleared>(Assert.Single(w.Tick()));
        Assert.Null(w.State.CrmOf("vm:100", "node1"));
    }

    [Fact]
    public void A_recovery_whose_target_was_lost_is_not_counted_the_target_is_fenced_and_the_vm_recovered_again()
    {
        var w = new World().Resource(100, "node3", maxRestart: 0, maxRelocate: 0);
        w.Lose("node3", HaLease.Expired);
        w.Tick();
        Assert.Equal("node2", w.Planned(100).To);
        w.End(100, "node 'node2' is offline", "node2");
        w.Lose("node2");
        w.Tick();
        Assert.Equal("fence", w.State.Nodes["node2"].State);
        w.Tick(HaManager.RetryAfter);
        Assert.Empty(w.Events.OfType<HaServiceFailed>());
        w.Nodes["node2"] = w.Nodes["node2"] with { Lease = HaLease.Expired };
        w.Tick();
        Assert.Equal(("node2", "node1", HaManager.Recover), (w.Planned(100).From, w.Planned(100).To, w.Planned(100).Kind));
    }

    [Fact]
    public void A_removed_resource_or_a_destroyed_vm_is_cleared()
    {
        var w = new World().Resource(100, "node3");
        w.Lose("node3", HaLease.Expired);
        w.Tick();
        w.Vms.Remove(100);
        Assert.IsType<HaServiceCleared>(Assert.Single(w.Tick()));
    }
}

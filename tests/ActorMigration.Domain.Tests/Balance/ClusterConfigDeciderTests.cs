using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>Datacenter options and node maintenance: set/delete, idempotent maintenance changes, refusals change nothing.</summary>
public sealed class ClusterConfigDeciderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlySet<string> Nodes = new HashSet<string> { "node1", "node2", "node3" };

    private static (ClusterConfigState State, IReadOnlyList<IClusterConfigEvent> Events) Run(
        ClusterConfigState s, IClusterConfigCommand c, DateTimeOffset? at = null)
    {
        var (events, error) = ClusterConfigDecider.Decide(s, c, at ?? T0, Nodes);
        Assert.Null(error);
        return (events.Aggregate(s, ClusterConfigDecider.Apply), events);
    }

    private static string? Refusal(ClusterConfigState s, IClusterConfigCommand c)
    {
        var (events, error) = ClusterConfigDecider.Decide(s, c, T0, Nodes);
        Assert.Empty(events);
        return error;
    }

    [Fact]
    public void Only_set_options_are_kept_and_the_default_limits_apply_when_unset()
    {
        var s = ClusterConfigState.Empty;
        Assert.Equal(MigrationLimits.Default, s.Options.EffectiveLimits);
        (s, var events) = Run(s, new SetClusterOptions(new ClusterOptions(4, null), [], "root@pam"));
        Assert.Equal(new ClusterOptionsSet(new ClusterOptions(4, null), "root@pam", T0), Assert.Single(events));
        var limits = new MigrationLimits(2, 1, null);
        (s, _) = Run(s, new SetClusterOptions(new ClusterOptions(null, limits), [], "root@pam"));
        Assert.Equal(new ClusterOptions(4, limits), s.Options);
        Assert.Equal(limits, s.Options.EffectiveLimits);
        Assert.Equal(2, s.Version);
    }

    [Fact]
    public void Delete_unsets_keys_after_setting_so_a_key_set_and_deleted_is_gone_and_unknown_keys_are_ignored()
    {
        var (s, _) = Run(ClusterConfigState.Empty, new SetClusterOptions(new ClusterOptions(3, new MigrationLimits(9, 3, 2)), [], "u@pve"));
        (s, _) = Run(s, new SetClusterOptions(new ClusterOptions(6, null), ["max_workers", "keyboard"], "u@pve"));
        Assert.Equal(new ClusterOptions(null, new MigrationLimits(9, 3, 2)), s.Options);
        (s, _) = Run(s, new SetClusterOptions(ClusterOptions.None, ["migration-limits"], "u@pve"));
        Assert.Equal(ClusterOptions.None, s.Options);
        Assert.Equal(MigrationLimits.Default, s.Options.EffectiveLimits);
    }

    [Fact]
    public void Bad_options_are_refused_and_change_nothing()
    {
        var s = ClusterConfigState.Empty;
        Assert.Equal("max_workers: value must have a minimum value of 1",
            Refusal(s, new SetClusterOptions(new ClusterOptions(0, null), [], "u@pve")));
        Assert.Equal("migration-limits: invalid format - format error\noutbound: value must have a minimum value of 1",
            Refusal(s, new SetClusterOptions(new ClusterOptions(null, new MigrationLimits(5, 0, null)), [], "u@pve")));
    }

    [Fact]
    public void Maintenance_is_enabled_once_per_task_and_disabled_once()
    {
        var t1 = T0.AddMinutes(1);
        var (s, events) = Run(ClusterConfigState.Empty, new EnableMaintenance("node2", "UPID:a", false, "root@pam"));
        var m = new NodeMaintenance("node2", T0, "root@pam", "UPID:a", false);
        Assert.Equal(new NodeMaintenanceEnabled(m), Assert.Single(events));
        Assert.True(s.IsInMaintenance("node2"));
        Assert.False(s.IsInMaintenance("node1"));

        (s, events) = Run(s, new EnableMaintenance("node2", "UPID:a", false, "root@pam"), t1);
        Assert.Empty(events);
        Assert.Equal(1, s.Version);

        // A retried evacuation: the new task is recorded, the start and user stay.
        (s, events) = Run(s, new EnableMaintenance("node2", "UPID:b", true, "other@pve"), t1);
        Assert.Equal(m with { EvacuationUpid = "UPID:b", WithLocalDisks = true }, s.Maintenance["node2"]);
        Assert.Single(events);

        (s, events) = Run(s, new DisableMaintenance("node2", "root@pam"), t1);
        Assert.Equal(new NodeMaintenanceDisabled("node2", "root@pam", t1), Assert.Single(events));
        Assert.False(s.IsInMaintenance("node2"));
        (s, events) = Run(s, new DisableMaintenance("node2", "root@pam"), t1);
        Assert.Empty(events);
        Assert.Equal(3, s.Version);
    }

    [Fact]
    public void Maintenance_of_an_unknown_node_is_refused_with_Proxmoxs_text()
    {
        var (s, _) = Run(ClusterConfigState.Empty, new EnableMaintenance("node2", "UPID:a", false, "root@pam"));
        Assert.Equal("no such cluster node 'node9'", Refusal(s, new EnableMaintenance("node9", "UPID:b", false, "root@pam")));
        Assert.Equal("no such cluster node 'node9'", Refusal(s, new DisableMaintenance("node9", "root@pam")));
        Assert.Equal("node 'node2' is in maintenance mode", ClusterConfigState.InMaintenance("node2"));
    }

    [Fact]
    public void Without_a_node_list_any_node_may_be_put_in_maintenance()
    {
        var (events, error) = ClusterConfigDecider.Decide(ClusterConfigState.Empty, new EnableMaintenance("node9", "UPID:a", false, "u@pve"), T0);
        Assert.Null(error);
        Assert.Single(events);
    }
}

using ActorMigration.Domain.Scheduling;

namespace ActorMigration.Domain.Balance;

/// <summary>The cluster configuration as Decide(state, command, at) → events or Proxmox's error text, and Apply.</summary>
public static class ClusterConfigDecider
{
    /// <summary>
    /// Decides a command. With <paramref name="nodes"/> (the cluster's nodes), a maintenance change of another node is
    /// refused with Proxmox's <c>no such cluster node</c> text. Maintenance changes are idempotent: enabling again with
    /// the same task or disabling a node not in maintenance changes nothing. Enabling again with another task records
    /// that task (a retried evacuation; the caller does so only when the previous one has ended) and keeps the start.
    /// </summary>
    public static (IReadOnlyList<IClusterConfigEvent> Events, string? Error) Decide(
        ClusterConfigState s, IClusterConfigCommand command, DateTimeOffset at, IReadOnlySet<string>? nodes = null) => command switch
        {
            SetClusterOptions c => SetOptions(s, c, at),
            EnableMaintenance c when nodes is not null && !nodes.Contains(c.Node) => Fail(NoNode(c.Node)),
            DisableMaintenance c when nodes is not null && !nodes.Contains(c.Node) => Fail(NoNode(c.Node)),
            EnableMaintenance c => Enable(s, c, at),
            DisableMaintenance c => s.IsInMaintenance(c.Node) ? Ok(new NodeMaintenanceDisabled(c.Node, c.User, at)) : Ok(),
            _ => Fail($"unknown cluster config command {command.GetType().Name}"),
        };

    public static ClusterConfigState Apply(ClusterConfigState s, IClusterConfigEvent e)
    {
        var next = e switch
        {
            ClusterOptionsSet o => s with { Options = o.Options },
            NodeMaintenanceEnabled m => s with { Maintenance = s.Maintenance.SetItem(m.M.Node, m.M) },
            NodeMaintenanceDisabled d => s with { Maintenance = s.Maintenance.Remove(d.Node) },
            _ => s,
        };
        return next with { Version = s.Version + 1 };
    }

    private static string NoNode(string node) => $"no such cluster node '{node}'";

    private static (IReadOnlyList<IClusterConfigEvent>, string?) Ok(params IClusterConfigEvent[] events) => (events, null);

    private static (IReadOnlyList<IClusterConfigEvent>, string?) Fail(string error) => ([], error);

    private static (IReadOnlyList<IClusterConfigEvent>, string?) SetOptions(ClusterConfigState s, SetClusterOptions c, DateTimeOffset at)
    {
        // The API checks the parameters (400); these guard the store against a caller that did not.
        if (c.Set.MaxWorkers is < 1) return Fail($"{ClusterOptions.MaxWorkersKey}: value must have a minimum value of 1");
        if (c.Set.Limits is { } l && MigrationLimits.Parse(l.Format()).Error is { } bad)
            return Fail($"{ClusterOptions.LimitsKey}: invalid format - {bad}");
        if (c.Set.Migration is { } m && Workflows.Migration.MigrationNetwork.Parse(m.Format()).Error is { } badMigration)
            return Fail($"{ClusterOptions.MigrationKey}: invalid format - {badMigration}");
        // Proxmox deletes keys it does not know without a word.
        var o = new ClusterOptions(c.Set.MaxWorkers ?? s.Options.MaxWorkers, c.Set.Limits ?? s.Options.Limits, c.Set.Migration ?? s.Options.Migration);
        foreach (var k in c.Delete)
            o = k switch
            {
                ClusterOptions.MaxWorkersKey => o with { MaxWorkers = null },
                ClusterOptions.LimitsKey => o with { Limits = null },
                ClusterOptions.MigrationKey => o with { Migration = null },
                _ => o,
            };
        return Ok(new ClusterOptionsSet(o, c.User, at));
    }

    private static (IReadOnlyList<IClusterConfigEvent>, string?) Enable(ClusterConfigState s, EnableMaintenance c, DateTimeOffset at)
    {
        if (s.Maintenance.TryGetValue(c.Node, out var m))
            return m.EvacuationUpid == c.Upid && m.WithLocalDisks == c.WithLocalDisks
                ? Ok()
                : Ok(new NodeMaintenanceEnabled(m with { EvacuationUpid = c.Upid, WithLocalDisks = c.WithLocalDisks }));
        return Ok(new NodeMaintenanceEnabled(new NodeMaintenance(c.Node, at, c.User, c.Upid, c.WithLocalDisks)));
    }
}

using System.Collections.Immutable;

namespace ActorMigration.Domain.Balance;

/// <summary>A node in maintenance: since when, by whom, its evacuation task and whether it may move local disks.</summary>
public sealed record NodeMaintenance(string Node, DateTimeOffset Since, string User, string? EvacuationUpid, bool WithLocalDisks);

/// <summary>
/// The cluster configuration: datacenter options and the nodes in maintenance. <see cref="Version"/> grows with every
/// event, so members keep the newest copy they have seen.
/// </summary>
public sealed record ClusterConfigState(long Version, ClusterOptions Options, ImmutableSortedDictionary<string, NodeMaintenance> Maintenance)
{
    public static readonly ClusterConfigState Empty =
        new(0, ClusterOptions.None, ImmutableSortedDictionary.Create<string, NodeMaintenance>(StringComparer.Ordinal));

    public bool IsInMaintenance(string node) => Maintenance.ContainsKey(node);

    /// <summary>The refusal of a migration to (or a placement on) a node in maintenance.</summary>
    public static string InMaintenance(string node) => $"node '{node}' is in maintenance mode";
}

using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Actors.Cluster;

/// <summary>Per-node settings that override what the driver reports.</summary>
public sealed record NodeOverride(string? Address = null, string? Version = null, string? CpuVendor = null,
    int? PortRangeStart = null, int? PortRangeEnd = null, string? Netns = null, string? VmNetns = null);

/// <summary>
/// The static picture of the cluster this member belongs to: all node names (like corosync's node list),
/// the nodes this member hosts, storage.cfg and where data lives.
/// </summary>
public sealed record ClusterTopology(
    IReadOnlyList<string> ClusterNodes,
    IReadOnlyList<string> HostedNodes,
    StorageConfig Storage,
    string DataDir,
    IReadOnlyDictionary<string, NodeOverride> Overrides,
    string MacPrefix = "BC:24:11")
{
    public const string NodeRolePrefix = "hv-";

    public static string RoleOf(string node) => NodeRolePrefix + node;

    public string StorageConfigText => Storage.ToString();

    public NodeSettings SettingsFor(string node)
    {
        var o = Overrides.TryGetValue(node, out var x) ? x : new NodeOverride();
        var index = Math.Max(0, ClusterNodes.ToList().IndexOf(node));
        var start = o.PortRangeStart ?? 60000 + index * 100;
        return new NodeSettings(
            node,
            Path.Combine(DataDir, "run", node),
            Storage,
            o.Address ?? "127.0.0.1",
            o.Version,
            o.CpuVendor,
            start,
            o.PortRangeEnd ?? start + 99,
            MacPrefix,
            o.Netns,
            o.VmNetns);
    }
}

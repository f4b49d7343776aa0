using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Drivers.Abstractions;

/// <summary>Settings of one hypervisor node hosted by this member.</summary>
/// <param name="HostNetns">Network namespace (ip netns name) holding the node's host network,
/// where its conntrack table lives; null = the member's own namespace.</param>
/// <param name="VmNetns">Network namespace where the node's QEMU processes run and its bridges (vmbrX) live, so NICs with a
/// bridge become taps on it; null = NICs are user-mode (the member never touches its own namespace's interfaces).</param>
public sealed record NodeSettings(
    string Node,
    string RunDir,
    StorageConfig Storage,
    string Address = "127.0.0.1",
    string? Version = null,
    string? CpuVendor = null,
    int PortRangeStart = 60000,
    int PortRangeEnd = 60099,
    string MacPrefix = "BC:24:11",
    string? HostNetns = null,
    string? VmNetns = null);

/// <summary>The drivers of one node.</summary>
public interface INodeDriver : IAsyncDisposable
{
    NodeSettings Settings { get; }
    IHypervisorDriver Hypervisor { get; }
    IStorageDriver Storage { get; }
    IConntrackDriver Conntrack { get; }

    /// <summary>Version, CPU vendor, address and capacity of the node.</summary>
    Task<NodeFacts> GetFactsAsync(CancellationToken ct = default);

    /// <summary>Uptime, load, CPU, memory, swap, root file system and kernel: /nodes/{node}/status.</summary>
    Task<NodeStatus> GetStatusAsync(CancellationToken ct = default);
}

/// <summary>Creates drivers by name ("qemu", "sim").</summary>
public interface INodeDriverFactory
{
    string Name { get; }
    INodeDriver Create(NodeSettings settings);
}

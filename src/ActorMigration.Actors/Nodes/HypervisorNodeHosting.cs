using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Vms;
using ActorMigration.Drivers.Abstractions;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorMigration.Actors.Nodes;

/// <summary>Registry key of the hypervisor-node shard region.</summary>
public sealed class HypervisorNodeRegion;

/// <summary>One shard per node, so the allocation strategy can pin it.</summary>
public sealed class NodeMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message switch
    {
        INodeCommand c => c.Node,
        _ => null
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}

public static class HypervisorNodeHosting
{
    /// <summary>Starts the hypervisor-node region. Only members with a hosted node run entities.</summary>
    public static AkkaConfigurationBuilder AddHypervisorNodes(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, INodeDriverFactory factory)
    {
        return builder.WithActors((system, registry) =>
        {
            var settings = ClusterShardingSettings.Create(system).WithRememberEntities(false);
            var vms = registry.Get<VirtualMachineRegion>();
            var region = ClusterSharding.Get(system).Start(
                HypervisorNodeActor.TypeName,
                node => HypervisorNodeActor.Props(node, topology, factory, vms),
                settings,
                new NodeMessageExtractor(),
                new NodePinnedAllocationStrategy(system),
                PoisonPill.Instance);
            registry.Register<HypervisorNodeRegion>(region);
        });
    }
}

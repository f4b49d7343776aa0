using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Vms;
using ActorMigration.Drivers.Abstractions;
using Akka.Hosting;

namespace ActorMigration.Actors.Nodes;

/// <summary>
/// Registry key of the way to the hypervisor nodes: this member's <see cref="NodeRouterActor"/>, which sends each
/// <see cref="INodeCommand"/> to the member hosting its node.
/// </summary>
public sealed class HypervisorNodeRegion;

public static class HypervisorNodeHosting
{
    /// <summary>
    /// Starts this member's hosted nodes (<see cref="NodeHostActor"/>) and its router to all nodes. A node lives on the
    /// member with its role and never moves, so no sharding: no coordinator to wait for when a member is lost.
    /// </summary>
    public static AkkaConfigurationBuilder AddHypervisorNodes(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, INodeDriverFactory factory)
    {
        return builder.WithActors((system, registry) =>
        {
            system.ActorOf(NodeHostActor.Props(topology, factory, registry.Get<VirtualMachineRegion>()), NodeHostActor.Name);
            registry.Register<HypervisorNodeRegion>(system.ActorOf(NodeRouterActor.Props(topology.ClusterNodes), "hypervisor-node-router"));
        });
    }
}

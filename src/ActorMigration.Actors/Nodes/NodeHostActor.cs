using ActorMigration.Actors.Cluster;
using ActorMigration.Drivers.Abstractions;
using Akka.Actor;

namespace ActorMigration.Actors.Nodes;

/// <summary>
/// Parent of this member's hypervisor-node actors, one per hosted node, at <c>/user/hypervisor-nodes/&lt;node&gt;</c>
/// where <see cref="NodeCallActor"/> sends to. They start with the member, so each re-adopts its VMs at once.
/// </summary>
public sealed class NodeHostActor : ReceiveActor
{
    public const string Name = "hypervisor-nodes";

    /// <param name="vms">The VM record region (see <see cref="HypervisorNodeActor"/>).</param>
    public static Props Props(ClusterTopology topology, INodeDriverFactory factory, IActorRef vms, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new NodeHostActor(topology, factory, vms, time));

    public NodeHostActor(ClusterTopology topology, INodeDriverFactory factory, IActorRef vms, TimeProvider? time)
    {
        foreach (var node in topology.HostedNodes)
            Context.ActorOf(HypervisorNodeActor.Props(node, topology, factory, vms, time), node);
    }
}

using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Vms;
using ActorMigration.Domain.Vms;
using ActorMigration.Drivers.Abstractions;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Support;

/// <summary>Stands in for the VM shard region: one child per vmid.</summary>
public sealed class VmRouter : ReceiveActor
{
    public VmRouter() => Receive<IVmCommand>(c =>
    {
        var name = c.VmId.ToString();
        var child = Context.Child(name).IsNobody() ? Context.ActorOf(VirtualMachineActor.Props(name), name) : Context.Child(name);
        child.Forward(c);
    });
}

/// <summary>Stands in for the hypervisor-node shard region: one child per node.</summary>
public sealed class NodeRouter : ReceiveActor
{
    public NodeRouter(ClusterTopology topology, INodeDriverFactory factory, IActorRef vms) => Receive<INodeCommand>(c =>
    {
        var child = Context.Child(c.Node).IsNobody()
            ? Context.ActorOf(HypervisorNodeActor.Props(c.Node, topology, factory, vms), c.Node)
            : Context.Child(c.Node);
        child.Forward(c);
    });
}

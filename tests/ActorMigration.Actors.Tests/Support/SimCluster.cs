using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Support;

/// <summary>node1 and node2 on the simulated driver, each with a storage "local" in a temp dir; routers and a step runner.</summary>
public sealed class SimCluster : IDisposable
{
    public SimCluster(ActorSystem system, SimulationOptions options)
    {
        Dir = Directory.CreateTempSubdirectory("am-sim-").FullName;
        var storage = new StorageConfig([new StorageDefinition("local", "dir", Path.Combine(Dir, "{node}"), false, ["images"], null)]);
        Topology = new ClusterTopology(["node1", "node2"], ["node1", "node2"], storage, Dir, new Dictionary<string, NodeOverride>());
        var factory = new SimulatedNodeDriverFactory(options);
        Vms = system.ActorOf(Props.Create(() => new VmRouter()), "vms");
        var topology = Topology;
        var vms = Vms;
        Nodes = system.ActorOf(Props.Create(() => new NodeRouter(topology, factory, vms)), "nodes");
        Runner = new StepRunner(Vms, Nodes, Topology, StepTimeouts.Standard);
    }

    public string Dir { get; }
    public ClusterTopology Topology { get; }
    public IActorRef Vms { get; }
    public IActorRef Nodes { get; }
    public StepRunner Runner { get; }

    public void Dispose() => Directory.Delete(Dir, true);
}

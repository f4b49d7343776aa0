using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Cluster;
using Akka.Actor;

namespace ActorMigration.Actors.Balance;

/// <summary>
/// What placement needs of the cluster's nodes, read once for the evacuation's rounds and the rebalancer's plans: each
/// node's capacity (down, with no size, when offline or not answering) and the VMs alive on each node that answered.
/// </summary>
public static class NodeCapacities
{
    public sealed record View(IReadOnlyList<NodeCapacity> Nodes, IReadOnlyDictionary<string, IReadOnlySet<int>> Running);

    public static async Task<View> ReadAsync(ActorSystem system, IActorRef nodeRegion, IEnumerable<string> clusterNodes, ClusterConfigState config,
        TimeSpan factsTimeout, TimeSpan vmsTimeout)
    {
        var nodes = new List<NodeCapacity>();
        var running = new Dictionary<string, IReadOnlySet<int>>();
        foreach (var node in clusterNodes)
        {
            var down = new NodeCapacity(node, false, config.IsInMaintenance(node), 0, 0, "", "");
            if (!NodeMembership.IsOnline(system, node))
            {
                nodes.Add(down);
                continue;
            }
            try
            {
                var facts = await nodeRegion.Ask<NodeFacts>(new GetNodeFacts(node), factsTimeout);
                running[node] = (await nodeRegion.Ask<NodeVms>(new ListNodeVms(node), vmsTimeout)).Vms
                    .Where(r => r.IsAlive).Select(r => r.VmId).ToHashSet();
                nodes.Add(new NodeCapacity(node, facts.Online, config.IsInMaintenance(node), facts.MaxMem, facts.MaxCpu, facts.Version, facts.CpuVendor));
            }
            catch (Exception e) when (e is AskTimeoutException or NodeOperationException or NodeOfflineException)
            {
                nodes.Add(down);
            }
        }
        return new View(nodes, running);
    }
}

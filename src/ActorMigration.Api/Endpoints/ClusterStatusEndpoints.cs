using ActorMigration.Actors.Cluster;
using ActorMigration.Api.Http;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// GET /cluster/status as pve-cluster's API2::ClusterConfig status: one <c>cluster</c> entry and one entry per node, from
/// the membership alone (no node is asked, so it answers at once while a node is slow or gone).
/// </summary>
public static class ClusterStatusEndpoints
{
    /// <summary>The cluster's name: the actor system's (Proxmox: the corosync cluster name).</summary>
    public const string ClusterName = "actormigration";

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/cluster/status", (HttpContext ctx, ApiServices s, ActorSystem system) =>
            Handler.Run(ctx, HaResourceEndpoints.Read, new ParamSchema(), _ => Task.FromResult(PveResult.Data(Entries(s, system)))));

    private static List<Dictionary<string, object?>> Entries(ApiServices s, ActorSystem system)
    {
        var state = Akka.Cluster.Cluster.Get(system).State;
        var nodes = s.Topology.ClusterNodes;
        var list = new List<Dictionary<string, object?>>
        {
            new()
            {
                ["type"] = "cluster", ["id"] = "cluster", ["name"] = ClusterName, ["nodes"] = nodes.Count,
                ["quorate"] = HaStatusEndpoints.Quorate(system) ? 1 : 0, ["version"] = state.Members.Count,
            },
        };
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var host = NodeMembership.HostOf(state, n);
            list.Add(new Dictionary<string, object?>
            {
                ["type"] = "node", ["id"] = $"node/{n}", ["name"] = n, ["nodeid"] = i + 1, ["ip"] = host?.Address.Host,
                ["local"] = s.Topology.HostedNodes.Contains(n) ? 1 : 0, ["online"] = s.IsOnline(n) ? 1 : 0, ["level"] = "",
            });
        }
        return list;
    }
}

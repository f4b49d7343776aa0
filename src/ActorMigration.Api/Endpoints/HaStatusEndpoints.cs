using System.Globalization;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Ha;
using Akka.Actor;
using Akka.Cluster;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// /cluster/ha/status, as pve-ha-manager's API2::HA::Status, from what the cluster knows: membership (quorum, the HA
/// master = the oldest member, online nodes), the VM records (their node) and the nodes' runtimes.
/// </summary>
public static class HaStatusEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cluster/ha/status", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Need.User, new ParamSchema(), _ => Task.FromResult(PveResult.Data(
                new[] { "current", "manager_status" }.Select(n => new Dictionary<string, object?> { ["name"] = n }).ToList()))));

        api.MapGet("/cluster/ha/status/current", (HttpContext ctx, ApiServices s, ActorSystem system) =>
            Handler.Run(ctx, HaResourceEndpoints.Read, new ParamSchema(), async _ => PveResult.Data(await Current(ctx, s, system))));

        api.MapGet("/cluster/ha/status/manager_status", (HttpContext ctx, ApiServices s, ActorSystem system) =>
            Handler.Run(ctx, HaResourceEndpoints.Read, new ParamSchema(), async _ =>
            {
                var (config, manager, services) = await Services(ctx, s);
                var master = Master(system, s);
                var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                return PveResult.Data(new Dictionary<string, object?>
                {
                    ["manager_status"] = new Dictionary<string, object?>
                    {
                        ["master_node"] = master, ["timestamp"] = now,
                        ["node_status"] = s.Topology.ClusterNodes.ToDictionary(n => n,
                            n => manager.Nodes.TryGetValue(n, out var f) ? f.State : s.IsOnline(n) ? "online" : "unknown"),
                        ["service_status"] = services.Where(x => x.Crm is not null)
                            .ToDictionary(x => x.Resource.Sid, x => new Dictionary<string, object?> { ["state"] = x.Crm, ["node"] = x.Node }),
                    },
                    ["quorum"] = new Dictionary<string, object?> { ["node"] = ThisNode(s), ["quorate"] = Quorate(system) ? 1 : 0 },
                });
            }));
    }

    /// <summary>
    /// One resource as the status sees it: its VM's node, whether the VM runs (null when unknown) and the CRM state
    /// (the manager's while it acts on the resource, else read from the VM).
    /// </summary>
    private sealed record Service(HaResource Resource, string? Node, bool? Running, string? Manager)
    {
        public string? Crm => Node is null ? null : Resource.EffectiveState == HaStates.Ignored ? null : Manager ?? HaServiceState.Crm(Resource, Running);
    }

    private static async Task<(HaConfigState Config, HaManagerState Manager, List<Service> Services)> Services(HttpContext ctx, ApiServices s)
    {
        var config = await HaApi.Config(ctx);
        var manager = await HaApi.Manager(ctx);
        var vms = (await s.ReadModel.Ask<VmList>(new ListVms(), ApiServices.AskTimeout)).Vms.ToDictionary(v => v.VmId);
        // The nodes are asked at once, as /nodes does: the listing takes as long as the slowest node, not their sum. A node
        // that is not online is not asked (its VMs' state is unknown): the status must not wait for it while it is fenced.
        var nodes = config.Resources.Values.Select(r => vms.GetValueOrDefault(r.VmId)?.Node).OfType<string>().Distinct().Where(s.IsOnline).ToList();
        var answers = await Task.WhenAll(nodes.Select(n => s.NodeVms(n, TimeSpan.FromSeconds(3))));
        var running = nodes.Zip(answers, (n, a) => (n, a?.Vms.Where(v => v.IsAlive).Select(v => v.VmId).ToHashSet()))
            .ToDictionary(x => x.n, x => x.Item2);
        var services = config.Resources.Values.OrderBy(r => r.Sid, StringComparer.Ordinal).Select(r =>
        {
            var node = vms.GetValueOrDefault(r.VmId)?.Node;
            return new Service(r, node, node is null || running.GetValueOrDefault(node) is not { } alive ? null : alive.Contains(r.VmId),
                manager.CrmOf(r.Sid, node));
        }).ToList();
        return (config, manager, services);
    }

    private static async Task<List<Dictionary<string, object?>>> Current(HttpContext ctx, ApiServices s, ActorSystem system)
    {
        var (config, manager, services) = await Services(ctx, s);
        var now = DateTimeOffset.UtcNow;
        var time = Ctime(now);
        var quorate = Quorate(system);
        var thisNode = ThisNode(s);
        var result = new List<Dictionary<string, object?>>
        {
            new()
            {
                ["id"] = "quorum", ["type"] = "quorum", ["node"] = thisNode,
                ["status"] = quorate ? "OK" : $"No quorum on node '{thisNode}'!", ["quorate"] = quorate ? 1 : 0,
            },
        };
        if (Master(system, s) is { } master)
            result.Add(new()
            {
                ["id"] = "master", ["type"] = "master", ["node"] = master,
                ["status"] = $"{master} ({(config.Resources.IsEmpty ? "idle" : "active")}, {time})", ["timestamp"] = now.ToUnixTimeSeconds(),
            });
        var maintenance = await ClusterConfigApi.ConfigOrNull(ctx);
        foreach (var node in s.Topology.ClusterNodes)
        {
            var online = s.IsOnline(node);
            // A node the manager fences shows it (fence, then fenced) until it is online again; one in maintenance says so
            // (Proxmox's LRM mode text).
            var state = manager.Nodes.TryGetValue(node, out var fencing) ? fencing.State
                : maintenance?.IsInMaintenance(node) == true ? "maintenance mode"
                : !online ? "old timestamp - dead?"
                : services.Any(x => x.Node == node && HaServiceState.IsManaged(x.Resource)) ? "active" : "idle";
            var e = new Dictionary<string, object?> { ["id"] = $"lrm:{node}", ["type"] = "lrm", ["node"] = node };
            // An offline node's last renewal is not known here: no time for it.
            e["status"] = online ? $"{node} ({state}, {time})" : $"{node} ({state})";
            if (online) e["timestamp"] = now.ToUnixTimeSeconds();
            result.Add(e);
        }
        foreach (var x in services)
        {
            var r = x.Resource;
            var state = HaServiceState.Verbose(r, x.Node is not null, x.Crm, x.Running == true);
            var e = new Dictionary<string, object?>
            {
                ["id"] = $"service:{r.Sid}", ["type"] = "service", ["sid"] = r.Sid, ["node"] = x.Node, ["state"] = state,
                ["status"] = $"{r.Sid} ({x.Node ?? "---"}, {state})", ["request_state"] = r.EffectiveState,
                ["max_restart"] = r.EffectiveMaxRestart, ["max_relocate"] = r.EffectiveMaxRelocate,
            };
            if (x.Crm is { } crm) e["crm_state"] = crm;
            if (r.Group is { } g) e["group"] = g;
            if (r.Comment is { } c) e["comment"] = c;
            result.Add(e);
        }
        return result;
    }

    /// <summary>The HA master: the node of the oldest Up member (the one that hosts singletons), null without one.</summary>
    private static string? Master(ActorSystem system, ApiServices s)
    {
        var up = Cluster.Get(system).State.Members.Where(m => m.Status == MemberStatus.Up).ToList();
        if (up.Count == 0) return null;
        var oldest = up.Aggregate((a, b) => b.IsOlderThan(a) ? b : a);
        return s.Topology.ClusterNodes.FirstOrDefault(n => oldest.HasRole(ClusterTopology.RoleOf(n)));
    }

    /// <summary>This member sees itself Up and reaches a majority of the members.</summary>
    internal static bool Quorate(ActorSystem system)
    {
        var cluster = Cluster.Get(system);
        var up = cluster.State.Members.Where(m => m.Status == MemberStatus.Up).ToList();
        // A downed member can still be listed unreachable until it is removed: only Up members count.
        return cluster.SelfMember.Status == MemberStatus.Up && (up.Count - up.Count(cluster.State.Unreachable.Contains)) * 2 > up.Count;
    }

    private static string ThisNode(ApiServices s) => s.Topology.HostedNodes.FirstOrDefault() ?? s.Topology.ClusterNodes[0];

    /// <summary>Perl's scalar localtime, as Proxmox prints it: <c>Sat Dec  5 09:42:34 2026</c> (UTC here).</summary>
    public static string Ctime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("ddd MMM ", CultureInfo.InvariantCulture) + t.UtcDateTime.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
        + t.UtcDateTime.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
}

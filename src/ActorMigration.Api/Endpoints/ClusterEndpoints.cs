using ActorMigration.Actors.ReadModel;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Hypervisor;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>/version, /nodes, /cluster/resources, /cluster/nextid.</summary>
public static class ClusterEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/version", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(), _ => Task.FromResult(PveResult.Data(new Dictionary<string, object?>
            {
                ["version"] = s.Options.Version,
                ["release"] = s.Options.Release,
                ["repoid"] = Domain.Cluster.PveVersion.RepoId,
            }))));

        api.MapGet("/nodes", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(), async _ =>
            {
                // The nodes are asked at once: the listing takes as long as the slowest node, not their sum.
                var config = await ClusterConfigApi.ConfigOrNull(ctx);
                return PveResult.Data((await Task.WhenAll(s.Topology.ClusterNodes.Select(n => NodeEntry(s, n, "id", config)))).ToList());
            }));

        api.MapGet("/nodes/{node}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(Formats.NodeParam()), p => Task.FromResult(s.CheckNode(p["node"]!) ??
                PveResult.Data(new[] { "qemu", "tasks", "status", "storage" }.Select(n => new Dictionary<string, object?> { ["name"] = n }).ToList()))));

        api.MapGet("/nodes/{node}/status", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Node("Sys.Audit"), new ParamSchema(Formats.NodeParam()), p => NodeStatusEndpoints.Status(s, p["node"]!)));

        api.MapGet("/cluster/resources", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(new ParamSpec("type", Enum: ["vm", "storage", "node", "sdn"])), async p =>
            {
                var type = p["type"];
                var result = new List<Dictionary<string, object?>>();
                if (type is null or "vm")
                {
                    var vms = await s.ReadModel.Ask<VmList>(new ListVms(), ApiServices.AskTimeout);
                    var ha = await HaApi.ConfigOrLastSeen(ctx);
                    var manager = await HaApi.ManagerIfManaged(ctx, ha);
                    // Per node, asked at once: its VMs' runtimes, or null when the node does not answer (status "unknown").
                    var runtimes = (await Task.WhenAll(vms.Vms.Select(v => v.Node).OfType<string>().Distinct().Select(async n =>
                            (Node: n, Vms: (await s.NodeVms(n, TimeSpan.FromSeconds(3)))?.Vms.ToDictionary(r => r.VmId)))))
                        .ToDictionary(x => x.Node, x => x.Vms);
                    // Proxmox lists what the caller may audit: VMs (VM.Audit), nodes (Sys.Audit), storages.
                    foreach (var v in vms.Vms.Where(v => ctx.Allowed($"/vms/{v.VmId}", "VM.Audit")))
                    {
                        // A record whose node is unknown (damaged) is listed with node null and status "unknown".
                        var onNode = v.Node is null ? null : runtimes[v.Node];
                        var rt = onNode is null ? null : onNode.TryGetValue(v.VmId, out var r) ? r : new VmRuntime(v.VmId, VmRunState.Stopped);
                        var e = QemuEndpoints.ListEntry(v.VmId, v.ConfigText, v.Error, rt);
                        var entry = new Dictionary<string, object?> { ["id"] = $"qemu/{v.VmId}", ["type"] = "qemu", ["node"] = v.Node };
                        foreach (var (k, val) in e) entry[k] = val;
                        entry["maxcpu"] = entry["cpus"];
                        entry.Remove("cpus");
                        entry["template"] = e.ContainsKey("template") ? 1 : 0;
                        if (HaApi.VmStatus(ha, v.VmId, rt?.IsAlive, manager, v.Node).GetValueOrDefault("state") is { } hastate) entry["hastate"] = hastate;
                        if (PoolEndpoints.PoolOf(ctx, v.VmId) is { } pool) entry["pool"] = pool;
                        result.Add(entry);
                    }
                }
                if (type is null or "node")
                {
                    var config = await ClusterConfigApi.ConfigOrNull(ctx);
                    result.AddRange(await Task.WhenAll(s.Topology.ClusterNodes.Where(n => ctx.Allowed($"/nodes/{n}", "Sys.Audit"))
                        .Select(n => NodeEntry(s, n, "resource", config))));
                }
                if (type is null or "storage")
                    foreach (var n in s.Topology.ClusterNodes)
                        foreach (var st in s.Topology.Storage.On(n).Where(st => ctx.Allowed($"/storage/{st.Id}", "Datastore.Audit")
                            || ctx.Allowed($"/storage/{st.Id}", "Datastore.AllocateSpace")))
                            result.Add(StorageEndpoints.Resource(n, st));
                return PveResult.Data(result);
            }));

        api.MapGet("/cluster/nextid", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(new ParamSpec("vmid", PType.Integer, Format: Formats.VmId)), async p =>
            {
                if (p["vmid"] is { } wanted)
                {
                    var vm = await s.Vm(int.Parse(wanted));
                    return vm.Exists ? PveResult.ParamError("vmid", $"VM {wanted} already exists") : PveResult.Data(wanted);
                }
                // The read model may lag; confirm with the entity and move on if taken.
                var id = (await s.ReadModel.Ask<NextIdReply>(new NextFreeId(100), ApiServices.AskTimeout)).VmId;
                while ((await s.Vm(id)).Exists)
                    id = (await s.ReadModel.Ask<NextIdReply>(new NextFreeId(id + 1), ApiServices.AskTimeout)).VmId;
                return PveResult.Data(id.ToString());
            }));
    }

    private static async Task<Dictionary<string, object?>> NodeEntry(ApiServices s, string node, string idStyle,
        Domain.Balance.ClusterConfigState? config)
    {
        // Online or not is the membership's answer, at once; the node's own facts only add its sizes.
        var online = s.IsOnline(node);
        var f = online ? await s.Facts(node, TimeSpan.FromSeconds(2)) : null;
        var e = new Dictionary<string, object?>
        {
            ["id"] = $"node/{node}", ["node"] = node, ["type"] = "node", ["status"] = online ? "online" : "offline",
        };
        if (f is not null)
        {
            e["cpu"] = 0;
            e["maxcpu"] = f.MaxCpu;
            e["mem"] = 0;
            e["maxmem"] = f.MaxMem;
            e["disk"] = 0;
            e["maxdisk"] = 0;
            e["uptime"] = 0;
            e["level"] = "";
        }
        MaintenanceEndpoints.Mark(e, node, config);
        return e;
    }
}

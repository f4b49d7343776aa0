using ActorMigration.Actors.ReadModel;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Access;
using ActorMigration.Domain.Hypervisor;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// /pools as pve-access-control's API2::Pool: pools live in the access store (Proxmox keeps them in user.cfg), so every
/// member reads them from its replica at once and a change is one persisted event of that store.
/// </summary>
public static class PoolEndpoints
{
    public static ParamSpec PoolParam(string name = "pool", bool optional = true) => new(name, Optional: optional, Format: PoolFormat);

    private static string? PoolFormat(string v) => PoolDecider.IsPoolId(v) ? null : $"pool name '{v}' contains invalid characters";

    public static void Map(RouteGroupBuilder api)
    {
        // Proxmox 8.1+: poolid (and type) on the index list the pool with its members.
        api.MapGet("/pools", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(PoolParam("poolid"), new ParamSpec("type", Enum: ["qemu", "lxc", "storage"])), async p =>
            {
                var state = Access(ctx).State;
                var list = new List<Dictionary<string, object?>>();
                foreach (var pool in state.Pools.Values.OrderBy(x => x.PoolId, StringComparer.Ordinal))
                {
                    if (p["poolid"] is { } only && only != pool.PoolId) continue;
                    if (!ctx.Allowed($"/pool/{pool.PoolId}", "Pool.Audit")) continue;
                    var e = new Dictionary<string, object?> { ["poolid"] = pool.PoolId };
                    if (pool.Comment is { } c) e["comment"] = c;
                    if (p["poolid"] is not null) e["members"] = await Members(ctx, s, pool, p["type"]);
                    list.Add(e);
                }
                if (p["poolid"] is { } wanted && !state.Pools.ContainsKey(wanted)) return PveResult.Error($"pool '{wanted}' does not exist");
                return PveResult.Data(list);
            }));

        api.MapPost("/pools", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Need.Path("/pool/{poolid}", "Pool.Allocate"),
                new ParamSchema(PoolParam("poolid", optional: false), new ParamSpec("comment", MaxLength: 4096)),
                async p => Done(await Access(ctx).ChangeAsync(new CreatePool(p["poolid"]!, p["comment"])))));

        api.MapGet("/pools/{poolid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Path("/pool/{poolid}", "Pool.Audit"),
                new ParamSchema(PoolParam("poolid", optional: false), new ParamSpec("type", Enum: ["qemu", "lxc", "storage"])), async p =>
                {
                    if (!Access(ctx).State.Pools.TryGetValue(p["poolid"]!, out var pool)) return PveResult.Error($"pool '{p["poolid"]}' does not exist");
                    var d = new Dictionary<string, object?> { ["members"] = await Members(ctx, s, pool, p["type"]) };
                    if (pool.Comment is { } c) d["comment"] = c;
                    return PveResult.Data(d);
                }));

        api.MapPut("/pools/{poolid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Path("/pool/{poolid}", "Pool.Allocate"),
                new ParamSchema(PoolParam("poolid", optional: false), new ParamSpec("comment", MaxLength: 4096),
                    new ParamSpec("vms", Format: VmIdList), new ParamSpec("storage", Format: StorageIdList),
                    new ParamSpec("delete", PType.Boolean), new ParamSpec("allow-move", PType.Boolean)), async p =>
                {
                    var vms = Split(p["vms"]).Select(int.Parse).ToList();
                    var storages = Split(p["storage"]);
                    // check_perm_modify on each member added or removed.
                    var targets = vms.Select(v => ($"/vms/{v}", "VM.Allocate")).Concat(storages.Select(st => ($"/storage/{st}", "Datastore.Allocate")));
                    foreach (var (path, priv) in targets)
                        if (Http.Access.Denied(ctx.Caller(), ctx.Permissions(), path, ["Permissions.Modify", priv], any: true) is { } denied)
                            return Http.Access.Forbidden(denied);
                    foreach (var st in storages.Where(st => s.Topology.Storage.Get(st) is null))
                        return PveResult.Error($"update pools failed: storage '{st}' does not exist");
                    return Done(await Access(ctx).ChangeAsync(new UpdatePool(p["poolid"]!, p["comment"], vms, storages, p.Bool("delete"),
                        p.Bool("allow-move"))));
                }));

        api.MapDelete("/pools/{poolid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Path("/pool/{poolid}", "Pool.Allocate"), new ParamSchema(PoolParam("poolid", optional: false)), async p =>
            {
                var vms = (await s.ReadModel.Ask<VmList>(new ListVms(), ApiServices.AskTimeout)).Vms.Select(v => v.VmId).ToList();
                var storages = s.Topology.Storage.Storages.Select(st => st.Id).ToList();
                return Done(await Access(ctx).ChangeAsync(new DeletePool(p["poolid"]!, vms, storages)));
            }));
    }

    /// <summary>Proxmox's check_pool_exist: a 403 naming the pool when it does not exist.</summary>
    public static IResult? CheckExists(HttpContext ctx, string? pool) =>
        pool is null || Access(ctx).State.Pools.ContainsKey(pool) ? null : Http.Access.Forbidden($"pool '{pool}' does not exist");

    /// <summary>A VM created (or cloned) into <paramref name="pool"/>, or destroyed (null): it leaves any other pool.</summary>
    public static async Task<IResult?> Place(HttpContext ctx, int vmid, string? pool)
    {
        var access = Access(ctx);
        if (pool is null && PoolDecider.PoolOf(access.State, vmid) is null) return null;
        return await access.ChangeAsync(new SetVmPool(vmid, pool)) is { } error ? PveResult.Error(error) : null;
    }

    /// <summary>A restored VM joins the pool named; without one its membership stays.</summary>
    public static async Task<IResult?> PlaceIfSet(HttpContext ctx, int vmid, string? pool) => pool is null ? null : await Place(ctx, vmid, pool);

    /// <summary>The pool of a VM, for /cluster/resources.</summary>
    public static string? PoolOf(HttpContext ctx, int vmid) => PoolDecider.PoolOf(Access(ctx).State, vmid);

    private static AccessService Access(HttpContext ctx) => ctx.RequestServices.GetRequiredService<AccessService>();

    private static IResult Done(string? error) => error is null ? PveResult.Data(null) : PveResult.Error(error);

    private static List<string> Split(string? list) =>
        list is null ? [] : list.Split([',', ';', ' ', '\0'], StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();

    private static string? VmIdList(string v) =>
        Split(v).FirstOrDefault(x => Formats.VmId(x) is not null) is { } bad ? $"value '{bad}' does not look like a valid VM ID" : null;

    private static string? StorageIdList(string v) => Split(v).Select(Formats.StorageId).FirstOrDefault(e => e is not null);

    /// <summary>Members as read_pool lists them: existing VMs (as /cluster/resources), then the storages (on their first node).</summary>
    private static async Task<List<Dictionary<string, object?>>> Members(HttpContext ctx, ApiServices s, AccessPool pool, string? type)
    {
        var members = new List<Dictionary<string, object?>>();
        if (type is null or "qemu" && pool.Vms.Count > 0)
        {
            var vms = (await s.ReadModel.Ask<VmList>(new ListVms(), ApiServices.AskTimeout)).Vms.ToDictionary(v => v.VmId);
            foreach (var vmid in pool.Vms)
            {
                if (!vms.TryGetValue(vmid, out var v) || v.Node is null) continue;
                var rt = await s.Runtime(v.Node, vmid);
                var e = new Dictionary<string, object?> { ["id"] = $"qemu/{vmid}", ["type"] = "qemu", ["node"] = v.Node };
                foreach (var (k, val) in QemuEndpoints.ListEntry(vmid, v.ConfigText, v.Error, rt ?? (s.IsOnline(v.Node)
                    ? new VmRuntime(vmid, VmRunState.Stopped) : null))) e[k] = val;
                e["pool"] = pool.PoolId;
                members.Add(e);
            }
        }
        if (type is null or "storage")
            foreach (var id in pool.Storage)
            {
                if (s.Topology.Storage.Get(id) is not { } st) continue;
                var node = s.Topology.HostedNodes.FirstOrDefault(st.AvailableOn) ?? s.Topology.ClusterNodes.FirstOrDefault(st.AvailableOn);
                if (node is null) continue;
                var e = StorageEndpoints.Resource(node, st);
                e["pool"] = pool.PoolId;
                members.Add(e);
            }
        return members;
    }
}

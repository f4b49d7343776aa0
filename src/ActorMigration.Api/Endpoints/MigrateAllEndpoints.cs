using ActorMigration.Api.Http;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Workflows.Bulk;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Api.Endpoints;

/// <summary>POST /nodes/{node}/migrateall, in the shape of Proxmox's <c>PVE/API2/Nodes.pm</c>.</summary>
public static class MigrateAllEndpoints
{
    public const string NoMaxWorkers = "either 'maxworkers' parameter or max_workers in datacenter.cfg must be set!";

    public static void Map(RouteGroupBuilder api)
    {
        var schema = new ParamSchema(
            Formats.NodeParam(), Formats.NodeParam("target"), new ParamSpec("maxworkers", PType.Integer, Min: 1),
            new ParamSpec("vms", Format: VmIdList), new ParamSpec("with-local-disks", PType.Boolean));
        api.MapPost("/nodes/{node}/migrateall", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, Need.User, schema, p => Start(ctx, s, p)));
    }

    /// <summary>Proxmox's <c>pve-vmid-list</c>: vmids separated by commas, semicolons or white space.</summary>
    public static string? VmIdList(string v) => Split(v).Select(Formats.VmId).FirstOrDefault(e => e is not null);

    private static IEnumerable<string> Split(string v) => v.Split([',', ';', ' ', '\t', '\n', '\0'], StringSplitOptions.RemoveEmptyEntries);

    private static async Task<IResult> Start(HttpContext ctx, ApiServices s, PveParams p)
    {
        var vms = p["vms"] is { } list ? Split(list).Select(int.Parse).Distinct().ToList() : null;
        // VM.Migrate on '/', or on each guest named in vms (Proxmox's check).
        if (!ctx.Allowed("/", "VM.Migrate"))
        {
            if (vms is null || vms.Count == 0) return Access.Forbidden("/, VM.Migrate");
            if (vms.FirstOrDefault(id => !ctx.Allowed($"/vms/{id}", "VM.Migrate")) is var denied and > 0)
                return Access.Forbidden($"/vms/{denied}, VM.Migrate");
        }
        var node = p["node"]!;
        var target = p["target"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        if (target == node) return PveResult.ParamError("target", "target is local node.");
        if (s.CheckNode(target) is { } badTarget) return badTarget;
        var config = await ClusterConfigApi.Config(ctx);
        if ((p["maxworkers"] is null ? config.Options.MaxWorkers : p.Int("maxworkers")) is not { } maxWorkers)
            return PveResult.Error(NoMaxWorkers);
        // Ours: refused at once rather than per child (Proxmox would start workers that fail).
        if (!s.IsOnline(target)) return PveResult.Error(MigrationChecks.TargetOffline(target));
        if (config.IsInMaintenance(target)) return PveResult.Error(ClusterConfigState.InMaintenance(target));
        var user = TokenAuth.UserOf(ctx);
        bool? withLocalDisks = p["with-local-disks"] is null ? null : p.Bool("with-local-disks");
        var request = new MigrateAllRequest(node, target, maxWorkers, vms, withLocalDisks, user);
        return await s.StartTask(s.NewUpid(node, BulkMigrationMachine.TaskType, "", user), request);
    }
}

using ActorMigration.Api.Http;
using ActorMigration.Domain.Workflows.Backup;

namespace ActorMigration.Api.Endpoints;

/// <summary>POST /nodes/{node}/vzdump (one stopped VM into a backup storage).</summary>
public static class BackupEndpoints
{
    /// <summary>Proxmox's vzdump checks VM.Backup on each guest and Datastore.AllocateSpace on the backup storage.</summary>
    private static readonly Need Need = Need.Vm("VM.Backup").And("/storage/{storage}", "Datastore.AllocateSpace");

    public static void Map(RouteGroupBuilder api)
    {
        var vzdump = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("storage", Optional: false, Format: Formats.StorageId),
            new ParamSpec("mode", Enum: ["snapshot", "suspend", "stop"]), new ParamSpec("compress", Enum: ["0", "gzip", "lzo", "zstd"]),
            new ParamSpec("remove", PType.Boolean), new ParamSpec("notes-template", MaxLength: 1024));
        api.MapPost("/nodes/{node}/vzdump", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, Need, vzdump, p => Backup(ctx, s, p)));
    }

    private static async Task<IResult> Backup(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        if (p["compress"] is { } c && c != "0")
            return PveResult.ParamError("compress", "only uncompressed archives are supported (compress=0)");
        var storage = p["storage"]!;
        if (s.Topology.Storage.Get(storage) is not { } def) return PveResult.Error($"storage '{storage}' does not exist");
        if (!def.AvailableOn(node)) return PveResult.Error($"storage '{storage}' is not available on node '{node}'");
        if (!def.HasContent("backup")) return PveResult.Error($"storage '{storage}' does not support backups");
        var vmid = p.Int("vmid");
        var (vm, err) = await s.VmOnNode(node, vmid);
        if (err is not null) return err;
        if (vm!.Lock is { } l) return PveResult.Error($"VM is locked ({l})");
        var rt = await s.Runtime(node, vmid);
        if (rt?.IsAlive == true) return PveResult.Error($"VM {vmid} is running - only stopped VMs can be backed up here");
        var user = TokenAuth.UserOf(ctx);
        var archive = $"{storage}:backup/vzdump-qemu-{vmid}-{DateTime.Now:yyyy_MM_dd-HH_mm_ss}.tar";
        return await s.StartTask(s.NewUpid(node, "vzdump", vmid.ToString(), user), new BackupRequest(vmid, node, storage, archive, user));
    }
}

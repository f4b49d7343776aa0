using ActorMigration.Api.Http;
using ActorMigration.Domain.Workflows.Backup;

namespace ActorMigration.Api.Endpoints;

/// <summary>POST /nodes/{node}/vzdump (one VM, running or stopped, into a backup storage).</summary>
public static class BackupEndpoints
{
    /// <summary>Proxmox's vzdump checks VM.Backup on each guest and Datastore.AllocateSpace on the backup storage.</summary>
    private static readonly Need Need = Need.Vm("VM.Backup").And("/storage/{storage}", "Datastore.AllocateSpace");

    public static void Map(RouteGroupBuilder api)
    {
        var vzdump = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(), new ParamSpec("storage", Optional: false, Format: Formats.StorageId),
            new ParamSpec("mode", Enum: ["snapshot", "suspend", "stop"]), new ParamSpec("compress", Enum: ["0", "1", "gzip", "lzo", "zstd"]),
            new ParamSpec("remove", PType.Boolean), new ParamSpec("notes-template", MaxLength: 1024));
        api.MapPost("/nodes/{node}/vzdump", (HttpContext ctx, ApiServices s) => Handler.Run(ctx, Need, vzdump, p => Backup(ctx, s, p)));
    }

    private static async Task<IResult> Backup(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        // As vzdump, 1 means lzo; lzo is not made here (Debian's lzop is not a dependency).
        var compress = p["compress"] is "0" or null ? null : p["compress"];
        if (compress is "1" or "lzo")
            return PveResult.ParamError("compress", "lzo is not supported here - use zstd or gzip");
        var storage = p["storage"]!;
        if (s.Topology.Storage.Get(storage) is not { } def) return PveResult.Error($"storage '{storage}' does not exist");
        if (!def.AvailableOn(node)) return PveResult.Error($"storage '{storage}' is not available on node '{node}'");
        if (!def.HasContent("backup")) return PveResult.Error($"storage '{storage}' does not support backups");
        var vmid = p.Int("vmid");
        var (vm, err) = await s.VmOnNode(node, vmid);
        if (err is not null) return err;
        if (vm!.Lock is { } l) return PveResult.Error($"VM is locked ({l})");
        var user = TokenAuth.UserOf(ctx);
        var ext = compress switch { "zstd" => ".zst", "gzip" => ".gz", _ => "" };
        var archive = $"{storage}:backup/vzdump-qemu-{vmid}-{DateTime.Now:yyyy_MM_dd-HH_mm_ss}.tar{ext}";
        return await s.StartTask(s.NewUpid(node, "vzdump", vmid.ToString(), user),
            new BackupRequest(vmid, node, storage, archive, user, p["mode"] ?? "snapshot", compress));
    }
}

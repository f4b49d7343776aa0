using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows.MoveDisk;

namespace ActorMigration.Api.Endpoints;

/// <summary>POST /nodes/{node}/qemu/{vmid}/move_disk and its newer name move-disk (qmmove, qemu-server's move_vm_disk).</summary>
public static class MoveDiskEndpoints
{
    /// <summary>PVE::Tools::assert_if_modified.</summary>
    public const string Modified = "detected modified configuration - file changed by other user? Try again.";

    public const string BothMissing = "both 'storage' and 'target-vmid' missing";

    public const string NoReassign = "moving a disk to another VM (target-vmid) is not supported";

    /// <summary>qemu-server's valid_drive_names_with_unused.</summary>
    private static readonly string[] DiskKeys = [.. Drives.ValidDriveNames, .. Enumerable.Range(0, 256).Select(i => $"unused{i}")];

    public static void Map(RouteGroupBuilder api)
    {
        var schema = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(),
            new ParamSpec("disk", Optional: false, Enum: DiskKeys),
            new ParamSpec("storage", Format: Formats.StorageId), new ParamSpec("format", Enum: ["raw", "qcow2", "vmdk"]),
            new ParamSpec("delete", PType.Boolean), new ParamSpec("digest", MaxLength: 40), new ParamSpec("target-digest", MaxLength: 40),
            Formats.VmIdParam("target-vmid", optional: true),
            new ParamSpec("target-disk", Enum: DiskKeys),
            new ParamSpec("bwlimit", PType.Integer, Min: 0));
        // Proxmox: VM.Config.Disk on the VM, Datastore.AllocateSpace on the target storage.
        var need = Need.Vm("VM.Config.Disk").AndIf("storage", "/storage/{storage}", "Datastore.AllocateSpace");
        foreach (var path in new[] { "/nodes/{node}/qemu/{vmid}/move_disk", "/nodes/{node}/qemu/{vmid}/move-disk" })
            api.MapPost(path, (HttpContext ctx, ApiServices s) => Handler.Run(ctx, need, schema, p => Move(ctx, s, p)));
    }

    private static async Task<IResult> Move(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        var vmid = p.Int("vmid");
        if (p["storage"] is not { } storage)
        {
            if (p["target-vmid"] is null)
                return PveResult.ParamErrors(new Dictionary<string, string> { ["storage"] = BothMissing, ["target-vmid"] = BothMissing });
            return PveResult.Error(p.Int("target-vmid") == vmid
                ? "Moving a disk to the same VM is not possible. Did you mean to move the disk to a different storage?"
                : NoReassign);
        }
        var (facts, err) = await s.OnlineVmFacts(node, vmid);
        if (err is not null) return err;
        if (p["digest"] is { } digest && !string.Equals(digest, facts!.Vm.Digest, StringComparison.OrdinalIgnoreCase))
            return PveResult.Error(Modified);
        var user = TokenAuth.UserOf(ctx);
        var request = new MoveDiskRequest(vmid, node, p["disk"]!, storage, p["format"], p.Bool("delete"), p.Long("bwlimit"), user,
            s.Options.PollIntervalMs);
        // The same checks the workflow makes under its lock, now, so a refusal changes nothing.
        if (MoveDiskPlanner.Check(request, facts!.Vm, facts.Runtime.IsAlive, s.Topology.Storage, null) is { } refusal)
            return PveResult.Error(refusal);
        return await s.StartTask(s.NewUpid(node, MoveDiskMachine.TaskType, vmid.ToString(), user), request);
    }
}

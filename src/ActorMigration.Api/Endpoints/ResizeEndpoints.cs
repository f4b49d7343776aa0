using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows.VmTask;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>PUT /nodes/{node}/qemu/{vmid}/resize: grows a disk in a <c>resize</c> task (qemu-server's resize_vm).</summary>
public static class ResizeEndpoints
{
    /// <summary>resize_vm's size: <c>\+?\d+(\.\d+)?[KMGT]?</c>.</summary>
    public const string SizePattern = @"\+?\d+(\.\d+)?[KMGT]?";

    public static void Map(RouteGroupBuilder api)
    {
        var schema = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(),
            new ParamSpec("disk", Optional: false, Enum: [.. Drives.ValidDriveNames]), new ParamSpec("size", Optional: false, Pattern: SizePattern),
            new ParamSpec("digest", MaxLength: 40), new ParamSpec("skiplock", PType.Boolean, RootOnly: true));
        api.MapPut("/nodes/{node}/qemu/{vmid}/resize", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Config.Disk"), schema, p => Resize(ctx, s, p)));
    }

    private static async Task<IResult> Resize(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        var vmid = p.Int("vmid");
        var (facts, err) = await s.OnlineVmFacts(node, vmid);
        if (err is not null) return err;
        var disk = p["disk"]!;
        var (drive, refusal) = DiskEdits.ResizableDisk(QmConfig.Parse(facts!.Vm.ConfigText), disk);
        if (refusal is not null) return PveResult.Error(refusal);
        var volid = drive!.File;
        var info = (await s.Nodes.Ask<NodeVolume>(new GetNodeVolume(node, volid), ApiServices.AskTimeout)).Volume;
        if (info is null) return PveResult.Error($"Could not determine current size of volume '{volid}'");
        var (size, sizeError) = DiskEdits.NewSize(p["size"]!, info.VirtualSize);
        if (sizeError is not null) return PveResult.Error(sizeError);
        var user = TokenAuth.UserOf(ctx);
        var request = new VmTaskRequest(VmTaskMachine.Resize, vmid, node, user, SkipLock: p.Bool("skiplock"), Digest: p["digest"],
            Resize: new DiskResize(disk, volid, size));
        if (VmTaskMachine.Check(request, facts) is { } no) return PveResult.Error(no);
        return await s.StartTask(s.NewUpid(node, VmTaskMachine.TaskType(VmTaskMachine.Resize), vmid.ToString(), user), request);
    }
}

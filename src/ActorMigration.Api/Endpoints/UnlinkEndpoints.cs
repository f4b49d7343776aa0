using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// PUT /nodes/{node}/qemu/{vmid}/unlink (qemu-server's unlink: update_vm with delete=idlist): a disk becomes unusedN,
/// with force=1 its volume is freed, an unusedN is always freed. Synchronous, as Proxmox: answers null once done.
/// </summary>
public static class UnlinkEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var schema = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(),
            new ParamSpec("idlist", Optional: false, Format: ConfigIdList, MaxLength: 4096), new ParamSpec("force", PType.Boolean));
        api.MapPut("/nodes/{node}/qemu/{vmid}/unlink", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Config.Disk"), schema, p => Unlink(ctx, s, p)));
    }

    /// <summary>pve-configid-list: ids separated by commas, semicolons or spaces.</summary>
    private static string? ConfigIdList(string v) => Split(v).Select(Formats.ConfigId).FirstOrDefault(e => e is not null);

    private static List<string> Split(string v) => v.Split([',', ';', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).ToList();

    private static async Task<IResult> Unlink(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return bad;
        var vmid = p.Int("vmid");
        var ids = Split(p["idlist"]!);
        foreach (var k in ids)
            if (!VmOptions.IsVmOption(k, s.Topology.Storage)) return PveResult.ParamError("delete", $"unknown option '{k}'");
        var (facts, err) = await s.VmFactsOnNode(node, vmid);
        if (err is not null) return err;
        var cfg = QmConfig.Parse(facts!.Vm.ConfigText);
        if (ConfigAccess.Check(ctx, vmid, new Dictionary<string, string>(), ids, k => cfg[k]) is { } refused) return refused;
        var (set, delete, _) = Domain.Workflows.VmTask.Unlink.Plan(cfg, vmid, ids, p.Bool("force"));
        // Nothing of the list is set: Proxmox warns for each and changes nothing.
        if (delete.Count == 0) return PveResult.Data(null);
        var user = TokenAuth.UserOf(ctx);
        var request = new VmTaskRequest(VmTaskMachine.UnlinkDisks, vmid, node, user, 0, false, set, delete, facts.Vm.Digest);
        if (VmTaskMachine.Check(request, facts) is { } no) return PveResult.Error(no);
        var upid = s.NewUpid(node, VmTaskMachine.TaskType(VmTaskMachine.UnlinkDisks), vmid.ToString(), user);
        return await ConfigDiskEdit.AwaitEnd(s, upid.ToString(), await s.StartTask(upid, request));
    }
}

using ActorMigration.Api.Http;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// POST /nodes/{node}/qemu/{vmid}/status/reboot|reset|suspend|resume (qemu-server's vm_reboot, vm_reset, vm_suspend,
/// vm_resume): each a VmTask of its kind (qmreboot, qmreset, qmpause, qmresume), refused at once when the VM does not run.
/// </summary>
public static class PowerEndpoints
{
    /// <summary>Our answer to todisk=1: the VM state is not saved to a volume here.</summary>
    public const string ToDiskUnsupported = "suspend to disk (todisk) is not supported";

    public static void Map(RouteGroupBuilder api)
    {
        Map(api, VmTaskMachine.Reboot, new ParamSpec("timeout", PType.Integer, Min: 0, Max: int.MaxValue));
        Map(api, VmTaskMachine.Reset, new ParamSpec("skiplock", PType.Boolean, RootOnly: true));
        Map(api, VmTaskMachine.Suspend, new ParamSpec("skiplock", PType.Boolean, RootOnly: true), new ParamSpec("todisk", PType.Boolean),
            new ParamSpec("statestorage", Format: Formats.StorageId, Requires: "todisk"));
        Map(api, VmTaskMachine.Resume, new ParamSpec("skiplock", PType.Boolean, RootOnly: true),
            new ParamSpec("nocheck", PType.Boolean, RootOnly: true));
    }

    private static void Map(RouteGroupBuilder api, string kind, params ParamSpec[] own)
    {
        var schema = new ParamSchema([Formats.NodeParam(), Formats.VmIdParam(), .. own]);
        api.MapPost($"/nodes/{{node}}/qemu/{{vmid}}/status/{kind}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.PowerMgmt"), schema, p => Run(ctx, s, p, kind)));
    }

    private static async Task<IResult> Run(HttpContext ctx, ApiServices s, PveParams p, string kind)
    {
        var node = p["node"]!;
        var vmid = p.Int("vmid");
        var (facts, err) = await s.OnlineVmFacts(node, vmid);
        if (err is not null) return err;
        var user = TokenAuth.UserOf(ctx);
        // vm_reboot's shutdown waits 60 s unless told otherwise (_do_vm_stop).
        var timeout = p["timeout"] is not null ? p.Int("timeout") : 60;
        var request = new VmTaskRequest(kind, vmid, node, user, timeout, p.Bool("skiplock"));
        // The not-running refusal comes first, as in Proxmox; the lock is the task's (vm_reset etc. check it in the worker).
        if (PowerActions.Check(kind, vmid, facts!.Runtime) is { } notRunning) return PveResult.Error(notRunning);
        if (p.Bool("todisk")) return PveResult.Error(ToDiskUnsupported);
        if (VmTaskMachine.Check(request, facts) is { } no) return PveResult.Error(no);
        return await s.StartTask(s.NewUpid(node, VmTaskMachine.TaskType(kind), vmid.ToString(), user), request);
    }
}

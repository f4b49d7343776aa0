using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows.Template;

namespace ActorMigration.Api.Endpoints;

/// <summary>POST /nodes/{node}/qemu/{vmid}/template (qmtemplate).</summary>
public static class TemplateEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var template = new ParamSchema(Formats.NodeParam(), Formats.VmIdParam(),
            new ParamSpec("disk", Enum: [.. Drives.ValidDriveNames]));
        api.MapPost("/nodes/{node}/qemu/{vmid}/template", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Allocate"), template, p => Template(ctx, s, p)));
    }

    private static async Task<IResult> Template(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        var vmid = p.Int("vmid");
        var (facts, err) = await s.OnlineVmFacts(node, vmid);
        if (err is not null) return err;
        var user = TokenAuth.UserOf(ctx);
        var request = new TemplateRequest(vmid, node, p["disk"], user);
        if (TemplateMachine.Check(facts!, request, null) is { } refusal) return PveResult.Error(refusal);
        return await s.StartTask(s.NewUpid(node, "qmtemplate", vmid.ToString(), user), request);
    }
}

using ActorMigration.Actors.Balance;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Workflows.Evacuation;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>GET/POST /nodes/{node}/maintenance (our extension): the node receives nothing and its VMs are evacuated.</summary>
public static class MaintenanceEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/maintenance", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Node("Sys.Audit"), new ParamSchema(Formats.NodeParam()), async p =>
            {
                if (s.CheckNode(p["node"]!) is { } bad) return bad;
                var m = (await ClusterConfigApi.Config(ctx)).Maintenance.GetValueOrDefault(p["node"]!);
                var e = new Dictionary<string, object?> { ["enabled"] = m is null ? 0 : 1 };
                if (m is not null)
                {
                    e["since"] = m.Since.ToUnixTimeSeconds();
                    e["user"] = m.User;
                    e["upid"] = m.EvacuationUpid;
                    e["with-local-disks"] = m.WithLocalDisks ? 1 : 0;
                }
                return PveResult.Data(e);
            }));

        var post = new ParamSchema(Formats.NodeParam(), new ParamSpec("enable", PType.Boolean, Optional: false),
            new ParamSpec("with-local-disks", PType.Boolean));
        api.MapPost("/nodes/{node}/maintenance", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Node("Sys.Modify"), post, p => Change(ctx, s, p)));
    }

    private static async Task<IResult> Change(HttpContext ctx, ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckNode(node) is { } bad) return bad;
        var user = TokenAuth.UserOf(ctx);
        var config = await ClusterConfigApi.Config(ctx);
        IClusterConfigCommand command;
        if (!p.Bool("enable")) command = new DisableMaintenance(node, user);
        else
        {
            if (!ctx.Allowed("/", "VM.Migrate")) return Access.Forbidden("/, VM.Migrate");
            var withLocalDisks = p.Bool("with-local-disks");
            // Enabled again: the running evacuation's UPID (another with-local-disks is refused: one evacuation per node at
            // a time); a new evacuation once the previous one has ended (a retry).
            if (config.Maintenance.GetValueOrDefault(node) is { EvacuationUpid: { } running } m
                && (await s.Tasks.Ask<Actors.Workflows.TaskStatusReply>(new Actors.Workflows.GetTaskStatus(running), ApiServices.AskTimeout)).Running)
                return m.WithLocalDisks == withLocalDisks ? PveResult.Data(running) : PveResult.Error(StillEvacuating(node, running));
            command = new EnableMaintenance(node, s.NewUpid(node, EvacuationMachine.TaskType, "", user).ToString(), withLocalDisks, user);
        }
        var reply = await ClusterConfigApi.Store(ctx).Ask<ClusterConfigReply>(new ClusterConfigRequest(command), ApiServices.AskTimeout);
        if (reply.Error is { } error) return PveResult.Error(error);
        return PveResult.Data(command is EnableMaintenance e ? e.Upid : null);
    }

    public static string StillEvacuating(string node, string upid) =>
        $"node '{node}' is still being evacuated ({upid}): wait for the task to end or disable maintenance first";

    /// <summary>The node entries' <c>maintenance: 1</c> (absent when off, or while the configuration is unknown).</summary>
    public static void Mark(Dictionary<string, object?> nodeEntry, string node, ClusterConfigState? config)
    {
        if (config?.IsInMaintenance(node) == true) nodeEntry["maintenance"] = 1;
    }
}

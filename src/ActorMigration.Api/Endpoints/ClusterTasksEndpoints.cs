using ActorMigration.Actors.ReadModel;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Tasks;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// GET /cluster/tasks as pve-manager's API2::Cluster tasks: the recent tasks of every node, from the read model. The
/// caller's own, or all of them with Sys.Audit on /.
/// </summary>
public static class ClusterTasksEndpoints
{
    /// <summary>Proxmox's cluster task list keeps the last tasks of each node; this many, newest first.</summary>
    public const int Recent = 500;

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/cluster/tasks", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(), async _ =>
            {
                var list = await s.ReadModel.Ask<TaskList>(new ListTasks(), ApiServices.AskTimeout);
                var all = ctx.Allowed("/", "Sys.Audit");
                var caller = ctx.Caller().AuthId;
                return PveResult.Data(list.Tasks.Where(t => all || t.User == caller).Take(Recent).Select(Entry).ToList());
            }));

    private static Dictionary<string, object?> Entry(TaskEntry t)
    {
        var u = Upid.Parse(t.Upid);
        var d = new Dictionary<string, object?>
        {
            ["upid"] = t.Upid, ["node"] = u.Node, ["pid"] = u.Pid, ["pstart"] = u.PStart, ["starttime"] = u.StartTime,
            ["type"] = u.Type, ["id"] = u.Id, ["user"] = u.UserName,
        };
        if (u.TokenId is { } token) d["tokenid"] = token;
        if (t.EndedAt is { } end)
        {
            d["endtime"] = end.ToUnixTimeSeconds();
            d["status"] = t.ExitStatus;
            d["saved"] = "1";
        }
        else d["saved"] = "0";
        return d;
    }
}

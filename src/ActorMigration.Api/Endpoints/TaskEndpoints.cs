using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Workflows;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Tasks;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>/nodes/{node}/tasks: list, status, log, stop.</summary>
public static class TaskEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/tasks", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(Formats.NodeParam(), new ParamSpec("start", PType.Integer, Min: 0, Max: int.MaxValue),
                new ParamSpec("limit", PType.Integer, Min: 0, Max: int.MaxValue), new ParamSpec("vmid", PType.Integer, Format: Formats.VmId),
                new ParamSpec("typefilter"), new ParamSpec("userfilter"), new ParamSpec("errors", PType.Boolean),
                new ParamSpec("source", Enum: ["archive", "active", "all"]), new ParamSpec("since", PType.Integer),
                new ParamSpec("until", PType.Integer), new ParamSpec("statusfilter")), async p =>
            {
                var node = p["node"]!;
                if (s.CheckNode(node) is { } bad) return bad;
                var list = await s.ReadModel.Ask<TaskList>(new ListTasks(node), ApiServices.AskTimeout);
                var source = p["source"] ?? "archive";
                // Proxmox lists the caller's own tasks, and all of them with Sys.Audit on the node.
                var all = ctx.Allowed($"/nodes/{node}", "Sys.Audit");
                var caller = ctx.Caller().AuthId;
                var tasks = list.Tasks
                    .Where(t => all || t.User == caller)
                    .Where(t => source == "all" || (source == "active") == (t.EndedAt is null))
                    .Where(t => p["vmid"] is not { } v || t.Id == v)
                    .Where(t => p["typefilter"] is not { } tf || t.Type == tf)
                    .Where(t => p["userfilter"] is not { } uf || t.User.Contains(uf))
                    .Where(t => !p.Bool("errors") || (t.ExitStatus is not null && t.ExitStatus != TaskLog.Ok))
                    .ToList();
                var start = p.Int("start", 0);
                var limit = p.Int("limit", 50);
                var page = tasks.Skip(start).Take(limit == 0 ? int.MaxValue : limit).Select(Entry).ToList();
                return PveResult.Data(page, tasks.Count);
            }));

        var upidSchema = new ParamSchema(Formats.NodeParam(), new ParamSpec("upid", Optional: false));
        api.MapGet("/nodes/{node}/tasks/{upid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, upidSchema, async p =>
            {
                if (await Find(ctx, s, p, "Sys.Audit") is { Error: { } e }) return e;
                return PveResult.Data(new[] { "log", "status" }.Select(n => new Dictionary<string, object?> { ["name"] = n }).ToList());
            }));

        api.MapGet("/nodes/{node}/tasks/{upid}/status", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, upidSchema, async p =>
            {
                var (upid, status, error) = await Find(ctx, s, p, "Sys.Audit");
                if (error is not null) return error;
                var d = new Dictionary<string, object?>
                {
                    ["upid"] = upid!.ToString(), ["node"] = upid.Node, ["pid"] = upid.Pid, ["pstart"] = upid.PStart,
                    ["starttime"] = upid.StartTime, ["type"] = upid.Type, ["id"] = upid.Id, ["user"] = upid.UserName,
                };
                if (upid.TokenId is { } tid) d["tokenid"] = tid;
                d["status"] = status!.Running ? "running" : "stopped";
                if (!status.Running) d["exitstatus"] = status.ExitStatus;
                d["phase"] = status.Phase;
                return PveResult.Data(d);
            }));

        api.MapGet("/nodes/{node}/tasks/{upid}/log", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(Formats.NodeParam(), new ParamSpec("upid", Optional: false),
                new ParamSpec("start", PType.Integer, Min: 0, Max: int.MaxValue), new ParamSpec("limit", PType.Integer, Min: 0, Max: int.MaxValue),
                new ParamSpec("download", PType.Boolean)), async p =>
            {
                var (upid, _, error) = await Find(ctx, s, p, "Sys.Audit");
                if (error is not null) return error;
                var start = p.Int("start", 0);
                var limit = p.Int("limit", 50);
                var log = await s.Tasks.Ask<TaskLogReply>(new GetTaskLog(upid!.ToString(), start, limit), ApiServices.AskTimeout);
                if (p.Bool("download"))
                    return Results.Text(string.Join("\n", log.Lines) + "\n", "text/plain");
                if (log.Total == 0)
                    return PveResult.Data(new[] { new Dictionary<string, object?> { ["n"] = 1, ["t"] = "no content" } }, 1);
                var lines = log.Lines.Select((t, i) => new Dictionary<string, object?> { ["n"] = start + i + 1, ["t"] = t }).ToList();
                return PveResult.Data(lines, log.Total);
            }));

        api.MapDelete("/nodes/{node}/tasks/{upid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, upidSchema, async p =>
            {
                var (upid, _, error) = await Find(ctx, s, p, "Sys.Modify");
                if (error is not null) return error;
                await s.Tasks.Ask<TaskStatusReply>(new AbortTask(upid!.ToString()), ApiServices.AskTimeout);
                return PveResult.Data(null);
            }));
    }

    private static Dictionary<string, object?> Entry(TaskEntry t)
    {
        var u = Upid.Parse(t.Upid);
        var d = new Dictionary<string, object?>
        {
            ["upid"] = t.Upid, ["node"] = u.Node, ["pid"] = u.Pid, ["pstart"] = u.PStart, ["starttime"] = u.StartTime,
            ["type"] = u.Type, ["id"] = u.Id, ["user"] = u.User,
        };
        if (t.EndedAt is { } end)
        {
            d["endtime"] = end.ToUnixTimeSeconds();
            d["status"] = t.ExitStatus;
        }
        else d["status"] = "running";
        return d;
    }

    /// <summary>
    /// Parses the UPID, checks the caller may see (<paramref name="othersNeed"/>) another's task, and asks its workflow;
    /// 400 as Proxmox answers for bad or unknown UPIDs. A task belongs to the node its UPID names: under another node's
    /// path it is unknown, as on Proxmox, where that node has no such task.
    /// </summary>
    private static async Task<(Upid? Upid, TaskStatusReply? Status, IResult? Error)> Find(HttpContext ctx, ApiServices s, PveParams p,
        string othersNeed)
    {
        var node = p["node"]!;
        if (s.CheckNode(node) is { } bad) return (null, null, bad);
        if (!Upid.TryParse(p["upid"], out var upid)) return (null, null, PveResult.ParamError("upid", "unable to parse worker upid"));
        if (upid!.Node != node) return (null, null, PveResult.ParamError("upid", "no such task"));
        // Another's task needs Sys.Audit (read) or Sys.Modify (stop) on the node, as Proxmox's task API checks.
        if (upid.User != ctx.Caller().AuthId && Access.Denied(ctx.Caller(), ctx.Permissions(), $"/nodes/{node}", [othersNeed]) is { } d)
            return (null, null, Access.Forbidden(d));
        if (!await MayExist(s, upid)) return (null, null, PveResult.ParamError("upid", "no such task"));
        var status = await s.Tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid!.ToString()), ApiServices.AskTimeout);
        return status.Exists ? (upid, status, null) : (null, null, PveResult.ParamError("upid", "no such task"));
    }

    /// <summary>
    /// Whether asking the task's workflow is worth it. Asking starts a remembered sharded entity, which writes to the
    /// journal, so a UPID nobody ever started must not get that far. The read model knows every task once caught up;
    /// a task started in the last minute may not have reached this member's read model yet, so it is asked anyway.
    /// </summary>
    private static async Task<bool> MayExist(ApiServices s, Upid upid)
    {
        var found = await s.ReadModel.Ask<TaskFound>(new FindTask(upid.ToString()), ApiServices.AskTimeout);
        if (found.Task is not null || !found.CaughtUp) return true;
        var age = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - upid.StartTime;
        return Math.Abs(age) <= RecentSeconds;
    }

    private const long RecentSeconds = 60;
}

using ActorMigration.Api.Http;
using ActorMigration.Domain.Tasks;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// <c>GET /cluster/tasks/events</c> (our extension): task state changes as Server-Sent Events, resumable with
/// <c>Last-Event-ID</c> or <c>since</c>. Proxmox's task rule: the caller's own tasks, all of a node's with Sys.Audit there.
/// </summary>
public static class TaskEventsEndpoints
{
    public const string Path = "/cluster/tasks/events";
    public const string LastEventId = "Last-Event-ID";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet(Path, (HttpContext ctx, ActorSystem system) =>
            Handler.Run(ctx, Need.User, new ParamSchema(new ParamSpec("since", PType.Integer, Min: 0, Max: long.MaxValue),
                new ParamSpec("upid"), Formats.NodeParam(optional: true), new ParamSpec("type"),
                new ParamSpec("timeout", PType.Integer, Min: 1, Max: 86400)), p =>
            {
                long since;
                if (ctx.Request.Headers.TryGetValue(LastEventId, out var last))
                {
                    if (!long.TryParse(last.ToString(), System.Globalization.NumberStyles.None, null, out since))
                        return Task.FromResult(PveResult.ParamError(LastEventId, $"value '{last}' is not a stream position"));
                }
                else since = p.Long("since") ?? 0;
                var caller = ctx.Caller().AuthId;
                bool Visible(TaskStateChange c) =>
                    (p["upid"] is not { } u || c.Upid == u) && (p["node"] is not { } n || c.Node == n) && (p["type"] is not { } t || c.Type == t)
                    && (c.User == caller || ctx.Allowed($"/nodes/{c.Node}", "Sys.Audit"));
                var timeout = p.Long("timeout") is { } sec ? TimeSpan.FromSeconds(sec) : (TimeSpan?)null;
                return Task.FromResult<IResult>(new TaskEventStream(system, since, Visible, timeout));
            }));
    }
}

using ActorMigration.Actors.Scheduling;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Scheduling;
using Akka.Actor;
using Akka.Hosting;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// GET /cluster/migrations (our extension): the limits in force, the migrations holding a slot and the queued ones in
/// grant order with their position (<c>ahead</c>: queued entries before it, all nodes counted).
/// </summary>
public static class MigrationQueueEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cluster/migrations", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Need.Path("/", "Sys.Audit"), new ParamSchema(), async _ =>
            {
                var queue = ctx.RequestServices.GetRequiredService<ActorRegistry>().Get<MigrationQueueSingleton>();
                MigrationQueueView view;
                try
                {
                    view = await queue.Ask<MigrationQueueView>(new GetMigrationQueue(), ApiServices.AskTimeout);
                }
                catch (AskTimeoutException)
                {
                    return PveResult.Error("migration queue not reachable - try again");
                }
                return PveResult.Data(new Dictionary<string, object?>
                {
                    ["limits"] = view.Limits is { } l ? Limits(l) : null,
                    ["running"] = view.Running.Select(e => Entry(e, null)).ToList(),
                    ["queued"] = view.Queued.Select(q => Entry(q.Entry, q.Ahead)).ToList(),
                });
            }));
    }

    private static Dictionary<string, object?> Limits(MigrationLimits l)
    {
        var d = new Dictionary<string, object?> { ["cluster"] = l.Cluster, ["outbound"] = l.Outbound };
        if (l.Inbound is { } i) d["inbound"] = i;
        return d;
    }

    private static Dictionary<string, object?> Entry(QueueEntry e, int? ahead)
    {
        var d = new Dictionary<string, object?>
        {
            ["upid"] = e.Upid, ["vmid"] = e.VmId, ["node"] = e.Source, ["target"] = e.Target, ["class"] = e.Slot.Class,
            ["since"] = e.Since.ToUnixTimeSeconds(),
        };
        if (ahead is { } n) d["ahead"] = n;
        if (e.Slot.Group is { } g) d["group"] = g;
        return d;
    }
}

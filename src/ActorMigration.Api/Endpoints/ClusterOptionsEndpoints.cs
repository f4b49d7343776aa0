using ActorMigration.Actors.Balance;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Workflows.Migration;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// /cluster/options, as Proxmox's API2::Cluster get_options/set_options, for the keys we keep: <c>max_workers</c> and our
/// property string <c>migration-limits</c> (<c>cluster=5,outbound=2[,inbound=N]</c>), and datacenter.cfg's <c>migration</c>
/// (<c>type=&lt;secure|insecure&gt;[,network=&lt;CIDR&gt;]</c>; GET returns it as an object). GET returns the keys that are set.
/// </summary>
public static class ClusterOptionsEndpoints
{
    private static readonly Need Modify = Need.Path("/", "Sys.Modify");

    private static readonly ParamSchema Put = new(
        new ParamSpec(ClusterOptions.MaxWorkersKey, PType.Integer, Min: 1),
        new ParamSpec(ClusterOptions.LimitsKey, Format: v => MigrationLimits.Parse(v).Error, MaxLength: 256),
        new ParamSpec(ClusterOptions.MigrationKey, Format: v => MigrationNetwork.Parse(v).Error, MaxLength: 256),
        new ParamSpec("delete", Format: ConfigIdList, MaxLength: 4096));

    public static void Map(RouteGroupBuilder api)
    {
        // user => 'all': without Sys.Audit on / Proxmox leaves out the options (ours are all audit-only).
        api.MapGet("/cluster/options", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Need.User, new ParamSchema(), async _ =>
            {
                var result = new Dictionary<string, object?> { ["allowed-tags"] = Array.Empty<string>() };
                if (!ctx.Allowed("/", "Sys.Audit")) return PveResult.Data(result);
                var options = (await ClusterConfigApi.Config(ctx)).Options;
                if (options.MaxWorkers is { } w) result[ClusterOptions.MaxWorkersKey] = w;
                if (options.Limits is { } l) result[ClusterOptions.LimitsKey] = l.Format();
                if (options.Migration is { } m) result[ClusterOptions.MigrationKey] = m.ToObject();
                return PveResult.Data(result);
            }));

        api.MapPut("/cluster/options", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Modify, Put, async p =>
            {
                var set = new ClusterOptions(p[ClusterOptions.MaxWorkersKey] is null ? null : p.Int(ClusterOptions.MaxWorkersKey),
                    p[ClusterOptions.LimitsKey] is { } l ? MigrationLimits.Parse(l).Limits : null,
                    p[ClusterOptions.MigrationKey] is { } m ? MigrationNetwork.Parse(m).Value : null);
                var delete = HaResourceEndpoints.SplitList(p["delete"]);
                var reply = await ClusterConfigApi.Store(ctx).Ask<ClusterConfigReply>(
                    new ClusterConfigRequest(new SetClusterOptions(set, delete, TokenAuth.UserOf(ctx))), ApiServices.AskTimeout);
                return reply.Error is null ? PveResult.Data(null) : PveResult.Error(reply.Error);
            }));
    }

    /// <summary>pve-configid-list: comma, semicolon or space separated configuration ids.</summary>
    private static string? ConfigIdList(string v) =>
        HaResourceEndpoints.SplitList(v).Select(Formats.ConfigId).FirstOrDefault(e => e is not null);
}

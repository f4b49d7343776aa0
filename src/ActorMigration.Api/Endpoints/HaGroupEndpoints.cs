using ActorMigration.Api.Http;
using ActorMigration.Domain.Ha;

namespace ActorMigration.Api.Endpoints;

/// <summary>/cluster/ha/groups, as pve-ha-manager's API2::HA::Groups (groups, not PVE 9's rules).</summary>
public static class HaGroupEndpoints
{
    private static ParamSpec GroupParam() => new("group", Optional: false, Format: Formats.ConfigId);

    private static ParamSpec[] Options(bool nodesOptional) =>
    [
        new("nodes", Optional: nodesOptional, Format: v => HaNodeList.Parse(v).Error, MaxLength: 4096),
        new("restricted", PType.Boolean), new("nofailback", PType.Boolean), new("comment", MaxLength: 4096), new("type", Enum: ["group"]),
    ];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cluster/ha/groups", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, HaResourceEndpoints.Read, new ParamSchema(), async _ =>
            {
                var config = await HaApi.Config(ctx);
                return PveResult.Data(config.Groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal).Select(g => Entry(config, g)).ToList());
            }));

        api.MapGet("/cluster/ha/groups/{group}", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, HaResourceEndpoints.Read, new ParamSchema(GroupParam()), async p =>
            {
                var config = await HaApi.Config(ctx);
                return config.Groups.TryGetValue(p["group"]!, out var g)
                    ? PveResult.Data(Entry(config, g))
                    : PveResult.Error($"no such ha group '{p["group"]}'");
            }));

        api.MapPost("/cluster/ha/groups", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, HaResourceEndpoints.Write, new ParamSchema([GroupParam(), .. Options(nodesOptional: false)]), p =>
                HaApi.Change(ctx, new AddHaGroup(new HaGroup(p["group"]!, HaNodeList.Parse(p["nodes"]!).Nodes, Flag(p, "restricted"),
                    Flag(p, "nofailback"), p["comment"])))));

        api.MapPut("/cluster/ha/groups/{group}", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, HaResourceEndpoints.Write,
                new ParamSchema([GroupParam(), .. Options(nodesOptional: true), new("delete", MaxLength: 4096), new("digest", MaxLength: 64)]),
                p => HaApi.Change(ctx, new UpdateHaGroup(p["group"]!, p["nodes"] is { } nodes ? HaNodeList.Parse(nodes).Nodes : null,
                    Flag(p, "restricted"), Flag(p, "nofailback"), p["comment"], HaResourceEndpoints.SplitList(p["delete"]), p["digest"]))));

        api.MapDelete("/cluster/ha/groups/{group}", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, HaResourceEndpoints.Write, new ParamSchema(GroupParam()), p => HaApi.Change(ctx, new RemoveHaGroup(p["group"]!))));
    }

    private static bool? Flag(PveParams p, string key) => p[key] is null ? null : p.Bool(key);

    /// <summary>A group as Proxmox returns it: what is set, with its name, type, node list and the file's digest.</summary>
    private static Dictionary<string, object?> Entry(HaConfigState config, HaGroup g)
    {
        var e = new Dictionary<string, object?>
        {
            ["group"] = g.Name, ["type"] = "group", ["nodes"] = g.NodeList, ["digest"] = config.GroupsDigest,
        };
        if (g.Restricted is { } restricted) e["restricted"] = restricted ? 1 : 0;
        if (g.NoFailback is { } nofailback) e["nofailback"] = nofailback ? 1 : 0;
        if (g.Comment is { } comment) e["comment"] = comment;
        return e;
    }
}

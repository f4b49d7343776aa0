using ActorMigration.Api.Http;
using ActorMigration.Domain.Ha;

namespace ActorMigration.Api.Endpoints;

/// <summary>/cluster/ha (index) and /cluster/ha/resources, as pve-ha-manager's API2::HA::Resources.</summary>
public static class HaResourceEndpoints
{
    /// <summary>Proxmox: Sys.Audit on / to read the HA configuration, Sys.Console on / to change it.</summary>
    public static readonly Need Read = Need.Path("/", "Sys.Audit");
    public static readonly Need Write = Need.Path("/", "Sys.Console");

    private static ParamSpec SidParam(bool optional = false) => new("sid", Optional: optional, Format: HaSid.FormatError);

    private static ParamSpec[] Options() =>
    [
        new("type", Enum: ["ct", "vm"]), new("state", Enum: HaStates.Requestable), new("group", Format: Formats.ConfigId),
        new("max_restart", PType.Integer, Min: 0, Max: int.MaxValue), new("max_relocate", PType.Integer, Min: 0, Max: int.MaxValue),
        new("comment", MaxLength: 4096),
    ];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cluster/ha", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Read, new ParamSchema(), _ => Task.FromResult(PveResult.Data(
                new[] { "status", "resources", "groups", "rules" }.Select(n => new Dictionary<string, object?> { ["id"] = n }).ToList()))));

        api.MapGet("/cluster/ha/resources", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, Read, new ParamSchema(new ParamSpec("type", Enum: ["ct", "vm"])), async p =>
            {
                var config = await HaApi.Config(ctx);
                if (p["type"] is "ct") return PveResult.Data(Array.Empty<object>());
                return PveResult.Data(config.Resources.Values.OrderBy(r => r.VmId).Select(r => Entry(config, r)).ToList());
            }));

        api.MapGet("/cluster/ha/resources/{sid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Read, new ParamSchema(SidParam()), async p =>
            {
                var (sid, _, error) = await HaApi.Sid(s, p["sid"]!);
                if (error is not null) return error;
                var config = await HaApi.Config(ctx);
                return config.Resources.TryGetValue(sid, out var r) ? PveResult.Data(Entry(config, r)) : PveResult.Error($"no such resource '{sid}'");
            }));

        api.MapPost("/cluster/ha/resources", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Write, new ParamSchema([SidParam(), .. Options()]), async p =>
            {
                var (sid, vmid, error) = await HaApi.Sid(s, p["sid"]!);
                if (error is not null) return error;
                if (p["type"] is { } type && type != "vm") return PveResult.Error("types does not match");
                if (await HaApi.VmRefusal(s, vmid) is { } refused) return PveResult.Error(refused);
                return await HaApi.Change(ctx, new AddHaResource(new HaResource(sid, p["state"], IntOrNull(p, "max_restart"),
                    IntOrNull(p, "max_relocate"), p["group"], p["comment"])));
            }));

        api.MapPut("/cluster/ha/resources/{sid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Write, new ParamSchema([SidParam(), .. Options(), new("delete", MaxLength: 4096), new("digest", MaxLength: 64)]),
                async p =>
                {
                    var (sid, _, error) = await HaApi.Sid(s, p["sid"]!);
                    if (error is not null) return error;
                    if (p["type"] is { } type && type != "vm") return PveResult.Error("types does not match");
                    return await HaApi.Change(ctx, new UpdateHaResource(sid, p["state"], IntOrNull(p, "max_restart"),
                        IntOrNull(p, "max_relocate"), p["group"], p["comment"], SplitList(p["delete"]), p["digest"]));
                }));

        api.MapDelete("/cluster/ha/resources/{sid}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Write, new ParamSchema(SidParam(), new ParamSpec("purge", PType.Boolean)), async p =>
            {
                var (sid, _, error) = await HaApi.Sid(s, p["sid"]!);
                return error ?? await HaApi.Change(ctx, new RemoveHaResource(sid, Purge: p["purge"] is null || p.Bool("purge")));
            }));
    }

    private static int? IntOrNull(PveParams p, string key) => p[key] is null ? null : p.Int(key);

    /// <summary>pve-common's split_list: commas, semicolons and whitespace.</summary>
    public static IReadOnlyList<string> SplitList(string? value) =>
        (value ?? "").Split([',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A resource as Proxmox returns it: what is set, with sid, type and the file's digest.</summary>
    private static Dictionary<string, object?> Entry(HaConfigState config, HaResource r)
    {
        var e = new Dictionary<string, object?> { ["sid"] = r.Sid, ["type"] = "vm", ["digest"] = config.ResourcesDigest };
        if (r.State is { } state) e["state"] = state;
        if (r.Group is { } group)
        {
            e["group"] = group;
            if (!config.Groups.ContainsKey(group))
                e["errors"] = new Dictionary<string, object?> { ["group"] = $"group '{group}' does not exist" };
        }
        if (r.MaxRestart is { } restart) e["max_restart"] = restart;
        if (r.MaxRelocate is { } relocate) e["max_relocate"] = relocate;
        if (r.Comment is { } comment) e["comment"] = comment;
        return e;
    }
}

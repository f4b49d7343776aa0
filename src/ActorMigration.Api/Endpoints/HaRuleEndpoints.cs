using ActorMigration.Api.Http;
using ActorMigration.Domain.Ha;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// /cluster/ha/rules, as pve-ha-manager's API2::HA::Rules (Proxmox 9), type <c>resource-affinity</c> only. Feasibility
/// errors are a 400 with each option's errors (<c>Rule 'r1' is invalid.</c>); the store checks again and refuses with 500.
/// </summary>
public static class HaRuleEndpoints
{
    private static readonly string[] Types = [HaRule.ResourceAffinity];

    private static ParamSpec RuleParam() => new("rule", Optional: false, Format: Formats.ConfigId);

    private static ParamSpec[] Options(bool create) =>
    [
        new("type", Optional: false, Enum: Types), new("resources", Optional: !create, Format: ResourcesFormat, MaxLength: 4096),
        new("affinity", Optional: !create, Enum: HaRules.Affinities), new("disable", PType.Boolean), new("comment", MaxLength: 4096),
    ];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cluster/ha/rules", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, HaResourceEndpoints.Read,
                new ParamSchema(new ParamSpec("type", Enum: [.. Types, "node-affinity"]), new ParamSpec("resource", Format: HaSid.FormatError)),
                async p =>
                {
                    var config = await HaApi.Config(ctx);
                    var sid = p["resource"] is { } r ? (await HaApi.Sid(s, r)).Sid : null;
                    return PveResult.Data(config.Rules.Values
                        .Where(x => (p["type"] ?? x.Type) == x.Type && (sid is null || x.Resources.Contains(sid)))
                        .OrderBy(x => x.Order).Select(x => Entry(config, x, s.Topology.ClusterNodes.Count)).ToList());
                }));

        api.MapGet("/cluster/ha/rules/{rule}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, HaResourceEndpoints.Read, new ParamSchema(RuleParam()), async p =>
            {
                var config = await HaApi.Config(ctx);
                return config.Rules.TryGetValue(p["rule"]!, out var r)
                    ? PveResult.Data(Entry(config, r, s.Topology.ClusterNodes.Count))
                    : PveResult.Error($"no such ha rule '{p["rule"]}'");
            }));

        api.MapPost("/cluster/ha/rules", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, HaResourceEndpoints.Write, new ParamSchema([RuleParam(), .. Options(create: true)]), async p =>
            {
                var (sids, error) = await Resources(s, p["resources"]!);
                if (error is not null) return error;
                var nodes = s.Topology.ClusterNodes.Count;
                var rule = new HaRule(p["rule"]!, p["type"]!, HaRules.Normalize(sids), p["affinity"]!, Flag(p, "disable"), p["comment"], 0);
                var config = await HaApi.Config(ctx);
                if (!config.Rules.ContainsKey(rule.Name) && Infeasible(config, rule, nodes) is { } invalid) return invalid;
                return await HaApi.Change(ctx, new AddHaRule(rule, nodes));
            }));

        api.MapPut("/cluster/ha/rules/{rule}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, HaResourceEndpoints.Write,
                new ParamSchema([RuleParam(), .. Options(create: false), new("delete", MaxLength: 4096), new("digest", MaxLength: 64)]),
                async p =>
                {
                    IReadOnlyList<string>? sids = null;
                    if (p["resources"] is { } list)
                    {
                        var (parsed, error) = await Resources(s, list);
                        if (error is not null) return error;
                        sids = HaRules.Normalize(parsed);
                    }
                    var nodes = s.Topology.ClusterNodes.Count;
                    var delete = HaResourceEndpoints.SplitList(p["delete"]);
                    var config = await HaApi.Config(ctx);
                    if (config.Rules.TryGetValue(p["rule"]!, out var old) && delete.All(HaRules.Options.Contains))
                    {
                        var rule = old with
                        {
                            Resources = sids ?? old.Resources,
                            Affinity = p["affinity"] ?? old.Affinity,
                            Disable = delete.Contains("disable") ? null : Flag(p, "disable") ?? old.Disable,
                        };
                        if (Infeasible(config, rule, nodes) is { } invalid) return invalid;
                    }
                    return await HaApi.Change(ctx, new UpdateHaRule(p["rule"]!, sids, p["affinity"], Flag(p, "disable"), p["comment"], delete,
                        p["digest"], nodes));
                }));

        api.MapDelete("/cluster/ha/rules/{rule}", (HttpContext ctx, ApiServices _) =>
            Handler.Run(ctx, HaResourceEndpoints.Write, new ParamSchema(RuleParam()), p => HaApi.Change(ctx, new RemoveHaRule(p["rule"]!))));
    }

    // pve-ha-resource-id-list: each element a resource id.
    private static string? ResourcesFormat(string v)
    {
        var items = HaResourceEndpoints.SplitList(v);
        return items.Count == 0 ? "value does not look like a valid ha resource id" : items.Select(HaSid.FormatError).FirstOrDefault(e => e is not null);
    }

    private static async Task<(List<string> Sids, IResult? Error)> Resources(ApiServices s, string value)
    {
        var sids = new List<string>();
        foreach (var item in HaResourceEndpoints.SplitList(value))
        {
            var (sid, _, error) = await HaApi.Sid(s, item);
            if (error is not null) return ([], error);
            sids.Add(sid);
        }
        return (sids, null);
    }

    /// <summary>Proxmox's 400 <c>Rule 'r1' is invalid.</c> with the rule's errors per option, when it is infeasible.</summary>
    private static IResult? Infeasible(HaConfigState config, HaRule rule, int nodes)
    {
        var errors = HaRules.ErrorsOf(config.Rules.Values.Where(r => r.Name != rule.Name).Append(rule), rule.Name, nodes);
        return errors is null ? null : PveResult.ParamErrors(errors, $"Rule '{rule.Name}' is invalid.");
    }

    private static bool? Flag(PveParams p, string key) => p[key] is null ? null : p.Bool(key);

    /// <summary>A rule as Proxmox returns it: what is set, with its name, order, the file's digest and its errors, if any.</summary>
    private static Dictionary<string, object?> Entry(HaConfigState config, HaRule r, int nodes)
    {
        var e = new Dictionary<string, object?>
        {
            ["rule"] = r.Name, ["type"] = r.Type, ["resources"] = r.ResourceList, ["affinity"] = r.Affinity,
            ["digest"] = config.RulesDigest, ["order"] = r.Order,
        };
        if (r.Disable is { } disable) e["disable"] = disable ? 1 : 0;
        if (r.Comment is { } comment) e["comment"] = comment;
        if (HaRules.ErrorsOf(config.Rules.Values, r.Name, nodes) is { } errors) e["errors"] = errors;
        return e;
    }
}

using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Storage;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// /nodes/{node}/storage, /{storage} and /{storage}/status as pve-storage's API2::Storage::Status: the storages available
/// on the node with their space, which the node itself measures (statvfs of the directory; the simulator's figures).
/// </summary>
public static class NodeStorageEndpoints
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(10);

    public static readonly Need Read = Need.PathAny("/storage/{storage}", "Datastore.Audit", "Datastore.AllocateSpace");

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/storage", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(Formats.NodeParam(), new ParamSpec("storage", Format: Formats.StorageId),
                new ParamSpec("content", Format: ContentList), new ParamSpec("enabled", PType.Boolean),
                Formats.NodeParam("target", optional: true), new ParamSpec("format", PType.Boolean)), async p =>
            {
                var node = p["node"]!;
                if (s.CheckOnline(node) is { } bad) return bad;
                var content = p["content"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var on = s.Topology.Storage.On(node, includeDisabled: true)
                    .Where(st => content is null || content.Any(st.HasContent)).ToList();
                if (p["storage"] is { } only && on.All(st => st.Id != only)) return PveResult.ParamError("storage", "No such storage.");
                var target = p["target"] is { } t && t != node ? t : null;
                var shown = on.Where(st => (ctx.Allowed($"/storage/{st.Id}", "Datastore.Audit") || ctx.Allowed($"/storage/{st.Id}", "Datastore.AllocateSpace"))
                        && (p["storage"] is null || p["storage"] == st.Id) && !(p.Bool("enabled") && st.Disabled)
                        && (target is null || (st.Shared && st.AvailableOn(node) && st.AvailableOn(target))))
                    .OrderBy(st => st.Id, StringComparer.Ordinal).ToList();
                var spaces = await Spaces(s, node, shown);
                return PveResult.Data(shown.Select(st => Info(st, spaces.GetValueOrDefault(st.Id), fraction: true)).ToList());
            }));

        var one = new ParamSchema(Formats.NodeParam(), new ParamSpec("storage", Optional: false, Format: Formats.StorageId));
        api.MapGet("/nodes/{node}/storage/{storage}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Read, one, p => Task.FromResult(s.CheckNode(p["node"]!) ??
                PveResult.Data(new[] { "content", "status" }.Select(n => new Dictionary<string, object?> { ["subdir"] = n }).ToList()))));

        api.MapGet("/nodes/{node}/storage/{storage}/status", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Read, one, async p =>
            {
                var node = p["node"]!;
                if (s.CheckOnline(node) is { } bad) return bad;
                if (s.Topology.Storage.On(node, includeDisabled: true).FirstOrDefault(st => st.Id == p["storage"]) is not { } st)
                    return PveResult.ParamError("storage", "No such storage.");
                var spaces = await Spaces(s, node, [st]);
                return PveResult.Data(Info(st, spaces.GetValueOrDefault(st.Id), fraction: false));
            }));
    }

    /// <summary>pve-storage-content-list: each item a known content type.</summary>
    private static string? ContentList(string v) =>
        v.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(c => !StorageEndpoints.ContentTypes.Contains(c)) is { } bad
            ? $"invalid content type '{bad}'"
            : null;

    /// <summary>The enabled storages' space, asked of the node in one call (disabled ones are not activated, as Proxmox).</summary>
    private static async Task<Dictionary<string, StorageSpace>> Spaces(ApiServices s, string node, IReadOnlyList<StorageDefinition> storages)
    {
        var ids = storages.Where(st => !st.Disabled).Select(st => st.Id).ToList();
        if (ids.Count == 0) return [];
        var reply = await s.Nodes.Ask<NodeStorageSpaces>(new GetNodeStorageSpace(node, ids), NodeTimeout);
        return reply.Storages.ToDictionary(x => x.Storage);
    }

    /// <summary>storage_info's entry (and the index's used_fraction when the total is known).</summary>
    private static Dictionary<string, object?> Info(StorageDefinition st, StorageSpace? space, bool fraction)
    {
        var active = space?.Active == true;
        var e = new Dictionary<string, object?>
        {
            ["storage"] = st.Id, ["type"] = st.Type, ["content"] = StorageEndpoints.Content(st),
            ["active"] = active ? 1 : 0, ["enabled"] = st.Disabled ? 0 : 1, ["shared"] = st.Shared ? 1 : 0,
            ["total"] = active ? space!.Total : 0, ["used"] = active ? space!.Used : 0, ["avail"] = active ? space!.Avail : 0,
        };
        if (fraction && active && space!.Total > 0) e["used_fraction"] = (double)space.Used / space.Total;
        return e;
    }
}

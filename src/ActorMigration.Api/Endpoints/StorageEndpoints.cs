using System.Security.Cryptography;
using System.Text;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// GET /storage and /storage/{storage}: storage.cfg as pve-storage's API2::Storage::Config reads it. Read-only: POST, PUT
/// and DELETE /storage answer 501 (storage.cfg is given to the member at its start).
/// </summary>
public static class StorageEndpoints
{
    /// <summary>Proxmox's storage plugin types (the <c>type</c> filter); only <c>dir</c> exists here.</summary>
    private static readonly string[] Types =
        ["btrfs", "cephfs", "cifs", "dir", "esxi", "glusterfs", "iscsi", "iscsidirect", "lvm", "lvmthin", "nfs", "pbs", "rbd", "zfs", "zfspool"];

    /// <summary>pve-storage-content values.</summary>
    public static readonly string[] ContentTypes = ["images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import", "none"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/storage", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.User, new ParamSchema(new ParamSpec("type", Enum: Types)), p =>
            {
                var cfg = s.Topology.Storage;
                var list = cfg.Storages
                    .Where(st => ctx.Allowed($"/storage/{st.Id}", "Datastore.Audit") || ctx.Allowed($"/storage/{st.Id}", "Datastore.AllocateSpace"))
                    .Where(st => p["type"] is not { } t || st.Type == t)
                    .Select(st => Config(cfg, st)).ToList();
                return Task.FromResult(PveResult.Data(list));
            }));

        api.MapGet("/storage/{storage}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Path("/storage/{storage}", "Datastore.Allocate"),
                new ParamSchema(new ParamSpec("storage", Optional: false, Format: Formats.StorageId)), p =>
                Task.FromResult(s.Topology.Storage.Get(p["storage"]!) is { } st
                    ? PveResult.Data(Config(s.Topology.Storage, st))
                    : PveResult.Error($"storage '{p["storage"]}' does not exist"))));
    }

    /// <summary>Content types as storage_info and the config API print them: sorted, comma-joined.</summary>
    public static string Content(StorageDefinition st) => string.Join(',', st.Content.Order(StringComparer.Ordinal));

    /// <summary>api_storage_config: the section's properties, with <c>storage</c>, <c>content</c> and the file's digest.</summary>
    private static Dictionary<string, object?> Config(StorageConfig cfg, StorageDefinition st)
    {
        var e = new Dictionary<string, object?>();
        foreach (var (k, v) in st.Properties ?? new Dictionary<string, string>())
            e[k] = v;
        e["storage"] = st.Id;
        e["type"] = st.Type;
        e["path"] = st.Path;
        e["content"] = Content(st);
        if (st.Nodes is not null) e["nodes"] = string.Join(',', st.Nodes);
        if (st.Shared) e["shared"] = 1;
        else e.Remove("shared");
        if (st.Disabled) e["disable"] = 1;
        else e.Remove("disable");
        e["digest"] = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(cfg.ToString())));
        return e;
    }

    /// <summary>A storage as /cluster/resources and pool members list it.</summary>
    public static Dictionary<string, object?> Resource(string node, StorageDefinition st) => new()
    {
        ["id"] = $"storage/{node}/{st.Id}", ["storage"] = st.Id, ["node"] = node, ["type"] = "storage",
        ["plugintype"] = st.Type, ["status"] = "available", ["shared"] = st.Shared ? 1 : 0,
        ["content"] = Content(st), ["disk"] = 0, ["maxdisk"] = 0,
    };
}

using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Import;
using ActorMigration.Domain.Storage;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>GET /nodes/{node}/storage/{storage}/import-metadata: what an OVF/OVA or an ESXi .vmx describes.</summary>
public static class ImportEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/storage/{storage}/import-metadata", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.PathAny("/storage/{storage}", "Datastore.AllocateSpace", "Datastore.Audit"),
                new ParamSchema(Formats.NodeParam(), new ParamSpec("storage", Optional: false, Format: Formats.StorageId),
                new ParamSpec("volume", Optional: false, MaxLength: 1024)), async p =>
            {
                var node = p["node"]!;
                if (s.CheckOnline(node) is { } bad) return bad;
                var (meta, error) = await Read(s, node, p["storage"]!, p["volume"]!);
                return error ?? PveResult.Data(Json(meta!));
            }));
    }

    /// <summary>Parses the manifest at <paramref name="volume"/> (volname or full volid) on a node.</summary>
    public static async Task<(ImportMetadata? Meta, IResult? Error)> Read(ApiServices s, string node, string storage, string volume)
    {
        if (s.Topology.Storage.Get(storage) is not { } def) return (null, PveResult.Error($"storage '{storage}' does not exist"));
        if (!def.AvailableOn(node)) return (null, PveResult.Error($"storage '{storage}' is not available on node '{node}'"));
        var volid = volume.Contains(':') ? volume : $"{storage}:{volume}";
        if (!VolumeName.TryParse(volid, out var vn, out var perr)) return (null, PveResult.ParamError("volume", perr!));
        if (vn!.Storage != storage) return (null, PveResult.ParamError("volume", $"volume '{volid}' is not on storage '{storage}'"));
        if (vn.VType != "import") return (null, PveResult.Error($"invalid content type '{vn.VType}'"));
        if (!def.HasContent("import")) return (null, PveResult.Error($"storage '{storage}' does not support content type 'import'"));
        var ext = vn.Format;
        if (ext is not ("ovf" or "ova" or "vmx")) return (null, PveResult.Error("invalid format"));

        string text;
        try
        {
            text = (await s.Nodes.Ask<NodeText>(new ReadNodeText(node, volid), ApiServices.AskTimeout)).Text;
        }
        catch (NodeOperationException e)
        {
            return (null, PveResult.Error($"unable to read '{volid}' - {e.Message}"));
        }

        try
        {
            // First pass: which files the manifest names; second pass with what the node really has.
            var probe = Parse(ext, text, volid, _ => true, _ => null);
            var infos = new Dictionary<string, Domain.Hypervisor.VolumeInfo?>();
            foreach (var d in probe.Disks.Values)
                infos[d.VolId] = await Info(s, node, d.VolId);
            var meta = Parse(ext, text, volid, v => infos.TryGetValue(v, out var i) && i is not null,
                v => infos.TryGetValue(v, out var i) ? i?.VirtualSize : null);
            return (meta, null);
        }
        catch (ImportException e)
        {
            return (null, PveResult.Error(e.Message));
        }
    }

    private static ImportMetadata Parse(string ext, string text, string volid, Func<string, bool> exists, Func<string, long?> size) =>
        ext == "vmx" ? VmxParser.Parse(text, volid, exists, size) : OvfParser.Parse(text, volid, exists, size);

    private static async Task<Domain.Hypervisor.VolumeInfo?> Info(ApiServices s, string node, string volid)
    {
        try
        {
            return (await s.Nodes.Ask<NodeVolume>(new GetNodeVolume(node, volid), ApiServices.AskTimeout)).Volume;
        }
        catch (NodeOperationException)
        {
            return null;
        }
    }

    public static Dictionary<string, object?> Json(ImportMetadata m)
    {
        var disks = m.Disks.ToDictionary(d => d.Key, d => (object?)new Dictionary<string, object?> { ["volid"] = d.Value.VolId, ["size"] = d.Value.Size });
        if (m.EfiDisk) disks["efidisk0"] = 1;
        return new Dictionary<string, object?>
        {
            ["type"] = m.Type,
            ["source"] = m.Source,
            ["create-args"] = m.CreateArgs,
            ["disks"] = disks,
            ["net"] = m.Net.ToDictionary(n => n.Key, n =>
            {
                var d = new Dictionary<string, object?> { ["model"] = n.Value.Model };
                if (n.Value.MacAddr is { } mac) d["macaddr"] = mac;
                return d;
            }),
            ["warnings"] = m.Warnings.Select(w =>
            {
                var d = new Dictionary<string, object?> { ["type"] = w.Type };
                if (w.Key is not null) d["key"] = w.Key;
                if (w.Value is not null) d["value"] = w.Value;
                return d;
            }).ToList(),
        };
    }
}

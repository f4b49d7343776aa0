using System.Text.RegularExpressions;
using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Workflows;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// /nodes/{node}/storage/{storage}/content as pve-storage's API2::Storage::Content: the volumes of a storage on a node
/// (<c>content</c>, <c>vmid</c> filters, each shown when the caller may access it), one volume's attributes, and its deletion.
/// A volume id holds '/', so the route takes the rest of the path.
/// </summary>
public static partial class StorageContentEndpoints
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"\.(tgz|(?:tar|vma)(?:\.(?:gz|lzo|zst|bz2))?)\z")]
    private static partial Regex BackupFormat();

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/storage/{storage}/content", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, NodeStorageEndpoints.Read, new ParamSchema(Formats.NodeParam(),
                new ParamSpec("storage", Optional: false, Format: Formats.StorageId), new ParamSpec("content", Enum: StorageEndpoints.ContentTypes),
                Formats.VmIdParam(optional: true)), async p =>
            {
                var (node, st, bad) = Storage(s, p);
                if (bad is not null) return bad;
                var vmid = p["vmid"] is null ? (int?)null : p.Int("vmid");
                var types = st!.Content.Where(c => p["content"] is not { } want || c == want).ToHashSet();
                var list = await s.Nodes.Ask<NodeStorageContent>(new ListNodeStorageContent(node, st.Id, vmid), NodeTimeout);
                var caller = ctx.Caller();
                var entries = list.Volumes
                    .Where(v => VolumeName.TryParse(v.Volume.VolId, out var n, out _) && types.Contains(n!.VType))
                    .Where(v => ConfigAccess.VolumeDenied(caller, ctx.Permissions(), null, v.Volume.VolId) is null)
                    .Select(Entry).ToList();
                return PveResult.Data(entries);
            }));

        var volume = new ParamSchema(Formats.NodeParam(), new ParamSpec("storage", Optional: false, Format: Formats.StorageId),
            new ParamSpec("volume", Optional: false, MaxLength: 4096), new ParamSpec("delay", PType.Integer, Min: 1, Max: 30));
        api.MapGet("/nodes/{node}/storage/{storage}/content/{*volume}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, NodeStorageEndpoints.Read, volume, async p =>
            {
                var (node, st, bad) = Storage(s, p);
                if (bad is not null) return bad;
                if (Volid(st!, p["volume"]!) is not { } volid) return VolumeError(st!, p["volume"]!);
                if (ConfigAccess.VolumeDenied(ctx.Caller(), ctx.Permissions(), null, volid) is { } denied) return Http.Access.Forbidden(denied);
                var info = (await s.Nodes.Ask<NodeVolume>(new GetNodeVolume(node, volid), NodeTimeout)).Volume;
                if (info is null) return PveResult.Error($"file_size_info on '{volid}' failed");
                return PveResult.Data(new Dictionary<string, object?>
                {
                    ["path"] = info.Path, ["size"] = Size(VolumeName.Parse(volid), info), ["used"] = info.ActualSize,
                    ["format"] = Format(VolumeName.Parse(volid), info.Format),
                });
            }));

        // Datastore.Allocate, or for a VM's backup Datastore.AllocateSpace and VM.Backup on the VM (checked in the handler).
        api.MapDelete("/nodes/{node}/storage/{storage}/content/{*volume}", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.PathAny("/storage/{storage}", "Datastore.Allocate", "Datastore.AllocateSpace"), volume, async p =>
            {
                var (node, st, bad) = Storage(s, p);
                if (bad is not null) return bad;
                if (Volid(st!, p["volume"]!) is not { } volid) return VolumeError(st!, p["volume"]!);
                var name = VolumeName.Parse(volid);
                var caller = ctx.Caller();
                var denied = name.VType == "backup" && name.VmId is { } owner
                    ? Http.Access.Denied(caller, ctx.Permissions(), $"/storage/{st!.Id}", ["Datastore.AllocateSpace"])
                      ?? Http.Access.Denied(caller, ctx.Permissions(), $"/vms/{owner}", ["VM.Backup"])
                    : Http.Access.Denied(caller, ctx.Permissions(), $"/storage/{st!.Id}", ["Datastore.Allocate"]);
                if (denied is not null) return Http.Access.Forbidden(denied);
                // As Proxmox's storage view: an image of an existing guest is removed from the guest's hardware, not here.
                if (name.VType == "images" && name.VmId is { } vmid && await s.Vm(vmid) is { Exists: true } vm && (st.Shared || vm.Node == node))
                    return PveResult.Error($"Cannot remove image, a guest with VMID '{vmid}' exists!\nYou can delete the image from the guest's hardware pane");
                var result = await s.Nodes.Ask<StepResult>(new NodeStep(node, new DeleteVolumes("imgdel", node, [volid])), NodeTimeout);
                return result is Done ? PveResult.Data(null) : PveResult.Error($"unable to delete '{volid}'");
            }));
    }

    /// <summary>The node (online) and the storage, configured and enabled there; else Proxmox's error.</summary>
    private static (string Node, StorageDefinition? Storage, IResult? Error) Storage(ApiServices s, PveParams p)
    {
        var node = p["node"]!;
        if (s.CheckOnline(node) is { } bad) return (node, null, bad);
        var id = p["storage"]!;
        if (s.Topology.Storage.Get(id) is not { } st) return (node, null, PveResult.Error($"storage '{id}' does not exist"));
        if (st.Disabled) return (node, null, PveResult.Error($"storage '{id}' is disabled"));
        if (!st.AvailableOn(node)) return (node, null, PveResult.Error($"storage '{id}' is not available on node '{node}'"));
        return (node, st, null);
    }

    /// <summary>Proxmox's real_volume_id: a full volid of this storage, or a volume name completed with it; null when it does not parse.</summary>
    private static string? Volid(StorageDefinition st, string volume)
    {
        if (volume.Contains("%2F", StringComparison.OrdinalIgnoreCase)) volume = Uri.UnescapeDataString(volume);
        var volid = volume.Contains(':') ? volume : $"{st.Id}:{volume}";
        return VolumeName.TryParse(volid, out var n, out _) && n!.Storage == st.Id ? volid : null;
    }

    private static IResult VolumeError(StorageDefinition st, string volume)
    {
        var volid = volume.Contains(':') ? volume : $"{st.Id}:{volume}";
        if (!VolumeName.TryParse(volid, out var n, out var error)) return PveResult.ParamError("volume", error!);
        return PveResult.ParamError("volume", $"storage ID mismatch ({n!.Storage} != {st.Id})");
    }

    /// <summary>One volume as list_volumes lists it.</summary>
    private static Dictionary<string, object?> Entry(StorageVolume sv)
    {
        var v = sv.Volume;
        var n = VolumeName.Parse(v.VolId);
        var e = new Dictionary<string, object?> { ["volid"] = v.VolId, ["content"] = n.VType, ["format"] = Format(n, v.Format), ["size"] = Size(n, v) };
        if (n.VType == "images") e["used"] = v.ActualSize;
        if (n.VmId is { } vmid) e["vmid"] = vmid;
        if (sv.CTime > 0) e["ctime"] = sv.CTime;
        if (n.VType == "backup") e["subtype"] = "qemu";
        return e;
    }

    /// <summary>Images and imports: their format; backups: the archive's extension (tar.zst); ISOs: iso; snippets: snippet.</summary>
    private static string Format(VolumeName n, string format) => n.VType switch
    {
        "backup" => BackupFormat().Match(n.Name) is { Success: true } m ? m.Groups[1].Value : format,
        "iso" => "iso",
        "snippets" => "snippet",
        _ => format,
    };

    /// <summary>An image's virtual size; any other file's length.</summary>
    private static long Size(VolumeName n, Domain.Hypervisor.VolumeInfo v) =>
        n.VType == "images" ? v.VirtualSize : v.FileLength ?? (v.ActualSize > 0 ? v.ActualSize : v.VirtualSize);
}

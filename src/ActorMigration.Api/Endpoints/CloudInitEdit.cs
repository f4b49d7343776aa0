using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// A config edit's cloud-init parts, as API2/Qemu.pm does them: <c>&lt;storage&gt;:cloudinit</c> makes the drive
/// (its volume is allocated now, its image is written at start) and <c>cipassword</c> is stored hashed.
/// </summary>
internal static class CloudInitEdit
{
    public static async Task<IResult?> ApplyAsync(ApiServices s, string node, int vmid, string configText, Dictionary<string, string> set)
    {
        var cfg = QmConfig.Parse(configText);
        if (set.TryGetValue("cipassword", out var pw))
            set["cipassword"] = CloudInitOptions.StoredPassword(pw, set.GetValueOrDefault("ostype") ?? cfg["ostype"]);
        foreach (var key in set.Keys.ToList())
        {
            if (CloudInitOptions.ResolveRequest(key, set[key], vmid) is not { } drive) continue;
            var volid = DriveSpec.Parse(drive).File;
            var storage = VolumeIdRef.TryParse(volid, out var r) ? r.Storage : "";
            if (s.Topology.Storage.Get(storage) is not { } def || !def.AvailableOn(node))
                return PveResult.Error($"storage '{storage}' is not available on node '{node}'");
            var format = Domain.Storage.VolumeName.Parse(volid).Format;
            await s.Nodes.Ask<NodeDone>(new CreateNodeVolumes(node, [new VolumeAlloc(volid, format, CloudInitDrive.SizeBytes)], false),
                ApiServices.AskTimeout);
            var d = DriveSpec.Parse(drive);
            d.SizeBytes = CloudInitDrive.SizeBytes;
            set[key] = d.ToString();
        }
        return null;
    }
}

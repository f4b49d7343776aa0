using ActorMigration.Actors.Nodes;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;
using Akka.Actor;

namespace ActorMigration.Api.Http;

/// <summary>
/// Before a task is created or a config written: every volume a drive value names exists on the node that will
/// use it, on a storage available there (a linked clone's base volume too), and every <c>import-from</c> source
/// exists. The schema has checked the syntax and the content types; these checks ask the node.
/// </summary>
public static class VolumeChecks
{
    /// <summary>The first refusal for the drive values among <paramref name="options"/>, or null.</summary>
    public static async Task<IResult?> Drives(ApiServices s, string node, IEnumerable<KeyValuePair<string, string>> options)
    {
        foreach (var (key, value) in options)
        {
            if (!Domain.Config.Drives.IsDriveKey(key)) continue;
            var d = DriveSpec.Parse(value);
            if (d.IsNone) continue;
            // A cloud-init drive is made by the create task or at start (commit_cloudinit_disk allocates a missing one).
            if (Domain.CloudInit.CloudInitDrive.IsRequest(d, out _) || (d.IsCdrom && Domain.CloudInit.CloudInitDrive.IsAnyCloudInit(d.File))) continue;
            if (d.IsAllocation(out _, out _))
            {
                if (d.ImportFrom is { } src && await Missing(s, node, src) is { } why)
                    return PveResult.Error($"cannot import from '{src}' - {why}");
                continue;
            }
            if (d.Volume is null) continue;
            if (await Missing(s, node, d.File) is { } error) return PveResult.Error(error);
        }
        return null;
    }

    /// <summary>Why <paramref name="volid"/> cannot be used on <paramref name="node"/>, or null when it can.</summary>
    private static async Task<string?> Missing(ApiServices s, string node, string volid)
    {
        if (!VolumeName.TryParse(volid, out var vn, out var perr)) return perr;
        if (s.Topology.Storage.Get(vn!.Storage) is not { } def) return $"storage '{vn.Storage}' does not exist";
        if (!def.AvailableOn(node)) return $"storage '{vn.Storage}' is not available on node '{node}'";
        if (!s.IsOnline(node)) return ApiServices.Offline(node);
        try
        {
            if (!await Exists(s, node, volid)) return $"volume {volid} does not exist";
            if (vn.BaseVolId is { } baseVolid && !await Exists(s, node, baseVolid)) return $"base volume {baseVolid} of {volid} does not exist";
        }
        catch (NodeOperationException e)
        {
            // The node refuses to look at it (a link out of the storage, not a regular file): its reason.
            return e.Message;
        }
        return null;
    }

    private static async Task<bool> Exists(ApiServices s, string node, string volid) =>
        (await s.Nodes.Ask<NodeVolume>(new GetNodeVolume(node, volid), ApiServices.AskTimeout)).Volume is not null;
}

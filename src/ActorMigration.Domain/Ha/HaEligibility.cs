using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Ha;

/// <summary>
/// Our rule (not Proxmox's): a VM can be HA-managed only if every disk volume is on shared storage, so that another
/// node can start it from the same disks. Cloud-init, EFI and TPM state volumes count as disks; CD-ROM images and
/// unused volumes do not. Checked for an existing config and for a config being created (<c>local:4</c> requests).
/// </summary>
public static class HaEligibility
{
    /// <summary>Null when the VM may be HA-managed, else the refusal naming the first disk that is not shared.</summary>
    public static string? Refusal(int vmid, QmSection config, StorageConfig storage)
    {
        foreach (var (key, drive) in Drives.All(config, includeUnused: false))
        {
            if (drive.IsNone) continue;
            string storageId;
            if (CloudInitDrive.IsRequest(drive, out var ci)) storageId = ci;
            else if (drive.IsAllocation(out var allocated, out _)) storageId = allocated;
            else if (drive.IsCdrom && !CloudInitDrive.IsAnyCloudInit(drive.File)) continue;
            else if (drive.Volume is { } volume) storageId = volume.Storage;
            else return $"VM {vmid} cannot be HA-managed: disk {key} ({drive.File}) is not on a shared storage";
            if (storage.Get(storageId) is not { Shared: true })
                return $"VM {vmid} cannot be HA-managed: disk {key} is on storage '{storageId}', which is not shared";
        }
        return null;
    }
}

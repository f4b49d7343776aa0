using ActorMigration.Domain.Cluster;

namespace ActorMigration.Drivers.Storage;

/// <summary>statvfs of the file system holding a path, as PVE::Tools::df reads it: used = total − free.</summary>
public static class FileSystemSpace
{
    public static SpaceUsage Of(string path)
    {
        var d = new DriveInfo(path);
        var total = d.TotalSize;
        var free = d.TotalFreeSpace;
        return new SpaceUsage(total, total - free, free, d.AvailableFreeSpace);
    }

    /// <summary>A dir storage's space: its directory made first, as Proxmox's activate_storage does; inactive when unreadable.</summary>
    public static StorageSpace OfStorage(string storage, string root)
    {
        try
        {
            Directory.CreateDirectory(root);
            var u = Of(root);
            return new StorageSpace(storage, true, u.Total, u.Used, u.Avail);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new StorageSpace(storage, false, 0, 0, 0);
        }
    }
}

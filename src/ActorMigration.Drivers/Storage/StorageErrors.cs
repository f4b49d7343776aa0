namespace ActorMigration.Drivers.Storage;

/// <summary>The one set of error texts of the directory storages (both drivers); they name volumes, never host paths.</summary>
public static class StorageErrors
{
    public static ArgumentException NoStorage(string storage) => new($"storage '{storage}' does not exist");

    public static ArgumentException NotOnNode(string storage, string node) =>
        new($"storage '{storage}' is not available on node '{node}'");

    public static FileNotFoundException Missing(string volid) => new($"volume '{volid}' does not exist");

    public static IOException Exists(string volid) => new($"volume '{volid}' already exists");

    public static ArgumentException NotImage(string volid) => new($"'{volid}' is not an image volume");

    public static ArgumentException NotBackup(string volid) => new($"'{volid}' is not a backup volume");

    /// <summary>As Proxmox's alloc_image.</summary>
    public static ArgumentException WrongExtension(string name, string format) =>
        new($"illegal name '{name}' - wrong extension for format ('{format}')");

    public static ArgumentException LinkedCloneNeedsQcow2() => new("linked clones need format qcow2");

    public static ArgumentException SizeNotPositive() => new("size must be greater than 0");

    public static ArgumentException RenameAcrossStorages() => new("not possible to rename a volume across storages");

    public static InvalidOperationException BaseInUse(string volid, string clone) =>
        new($"base volume '{volid}' is still in use by linked clone '{clone}'");

    public static ArgumentException NotTextContent(string volid) => new($"'{volid}' is not on an import or backup content path");

    public static NotSupportedException SnapshotsNeedQcow2(string volid, string format) =>
        new($"snapshots need qcow2; '{volid}' is {format}");

    public static InvalidOperationException NoSnapshot(string volid, string name) =>
        new($"snapshot '{name}' of '{volid}' does not exist");

    public static InvalidOperationException NoDrive(string backupVolid, string drive) =>
        new($"backup '{backupVolid}' has no drive '{drive}'");

    public static IOException TargetTooSmall(string volid, long size, long needed) =>
        new($"target '{volid}' is smaller ({size}) than the source ({needed})");
}

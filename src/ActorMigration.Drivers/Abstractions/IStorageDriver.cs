using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Abstractions;

/// <summary>Volumes on the storages a node sees. Volume ids are Proxmox volids (<c>local:100/vm-100-disk-0.qcow2</c>).</summary>
public interface IStorageDriver
{
    string Node { get; }

    /// <summary>Absolute path of a volume on this node.</summary>
    string PathOf(string volid);

    /// <summary>qemu-img info; null when the volume does not exist.</summary>
    Task<VolumeInfo?> InfoAsync(string volid, CancellationToken ct = default);

    Task<IReadOnlyList<VolumeInfo>> ListAsync(string storage, int? vmid = null, CancellationToken ct = default);

    /// <summary>Creates a volume (qemu-img create). With <paramref name="backingVolid"/>: a qcow2 overlay (linked clone).</summary>
    Task<VolumeInfo> CreateAsync(string volid, string format, long sizeBytes, string? backingVolid = null, CancellationToken ct = default);

    /// <summary>Removes a volume. Missing: no-op.</summary>
    Task DeleteAsync(string volid, CancellationToken ct = default);

    /// <summary>Renames within a storage (template conversion).</summary>
    Task RenameAsync(string fromVolid, string toVolid, CancellationToken ct = default);

    Task SetReadOnlyAsync(string volid, bool readOnly, CancellationToken ct = default);

    /// <summary>qemu-img convert from a volume (optionally its internal snapshot) into an existing or new volume.</summary>
    Task ConvertAsync(string srcVolid, string dstVolid, string dstFormat, string? snapshot = null,
        long? bwlimitKiB = null, IProgress<CopyProgress>? progress = null, CancellationToken ct = default);

    /// <summary>Serves a volume over NBD (qemu-nbd).</summary>
    Task<NbdExport> ExportAsync(string volid, bool writable, CancellationToken ct = default);
    Task CloseExportAsync(string exportId, CancellationToken ct = default);

    /// <summary>
    /// Replaces the volume by an empty sparse file of <paramref name="lengthBytes"/> and serves its bytes (raw, writable)
    /// over NBD: the target of <see cref="CopyFileToNbdAsync"/>.
    /// </summary>
    Task<NbdExport> ExportFileAsync(string volid, long lengthBytes, CancellationToken ct = default);

    /// <summary>Copies a volume's file itself (sparse) into an <see cref="ExportFileAsync"/> export: a qcow2 keeps its internal snapshots.</summary>
    Task CopyFileToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB = null,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default);

    /// <summary>Copies a volume into an NBD export on another node (qemu-img convert -n ... nbd://).</summary>
    Task CopyToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB = null,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default);

    /// <summary>Grows a volume to <paramref name="sizeBytes"/> (qemu-img resize); the VM must not run.</summary>
    Task ResizeAsync(string volid, long sizeBytes, CancellationToken ct = default);

    Task SnapshotCreateAsync(string volid, string name, CancellationToken ct = default);
    Task SnapshotRollbackAsync(string volid, string name, CancellationToken ct = default);
    Task SnapshotDeleteAsync(string volid, string name, CancellationToken ct = default);

    /// <summary>Writes a backup archive holding the config and the given disks.</summary>
    Task CreateBackupAsync(string backupVolid, string configText, IReadOnlyList<(string Drive, string Volid)> disks,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default);

    /// <summary>Reads the config text and the drive names stored in a backup archive.</summary>
    Task<BackupManifest> ReadBackupAsync(string backupVolid, CancellationToken ct = default);

    /// <summary>Restores one drive of a backup archive into a new volume.</summary>
    Task RestoreDiskAsync(string backupVolid, string drive, string dstVolid, string dstFormat,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default);

    /// <summary>
    /// Writes a cloud-init image into the volume (created with 4 MiB if missing), as qemu-server's commit_cloudinit_disk.
    /// </summary>
    Task WriteCloudInitAsync(string volid, Domain.CloudInit.NoCloudImage image, CancellationToken ct = default);

    /// <summary>Reads a text file on an import or backup storage (OVF, VMX).</summary>
    Task<string> ReadTextAsync(string volid, CancellationToken ct = default);

    /// <summary>The storage's space on this node (Proxmox's storage_info): statvfs of its directory, or the simulator's figures.</summary>
    Task<Domain.Cluster.StorageSpace> SpaceAsync(string storage, CancellationToken ct = default);
}

public sealed record BackupManifest(string ConfigText, IReadOnlyList<BackupDisk> Disks);

public sealed record BackupDisk(string Drive, string FileName, string Format, long SizeBytes);

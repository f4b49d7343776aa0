using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Logging;
using ActorMigration.Drivers.Storage;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>
/// Volumes as files in dir storages: the path rules are <see cref="DirStorage"/>'s (shared with the simulated
/// driver); qemu-img (<see cref="QemuImageOps"/>), qemu-nbd (<see cref="QemuNbdExports"/>), backup archives
/// (<see cref="QemuBackups"/>) and OVA disks (<see cref="QemuOvaDisks"/>) do the work.
/// </summary>
public sealed class QemuStorageDriver : IStorageDriver
{
    private readonly DirStorage _dirs;
    private readonly QemuImg _img;
    private readonly QemuImageOps _images;
    private readonly QemuNbdExports _exports;
    private readonly QemuBackups _backups;
    private readonly ILogger _log;

    /// <param name="loggers">Where the driver logs (the node driver's factory); none: it logs nothing.</param>
    public QemuStorageDriver(NodeSettings settings, QemuDriverOptions options, PortAllocator? ports = null, ILoggerFactory? loggers = null)
    {
        _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<QemuStorageDriver>().With("Node", settings.Node);
        _dirs = new DirStorage(settings, _log);
        _img = new QemuImg(options.QemuImg, settings.VmNetns);
        _images = new QemuImageOps(_dirs, _img, new QemuOvaDisks(_img), options.Tls, _log);
        _exports = new QemuNbdExports(settings, options,
            ports ?? NetnsPorts.AllocatorFor(settings), _log);
        _backups = new QemuBackups(_dirs, _img, _images, _log);
    }

    public string Node => _dirs.Node;

    public string PathOf(string volid) => _dirs.Resolve(volid).Path;

    public Task<VolumeInfo?> InfoAsync(string volid, CancellationToken ct = default) => _images.InfoAsync(volid, ct);

    public Task<IReadOnlyList<VolumeInfo>> ListAsync(string storage, int? vmid = null, CancellationToken ct = default) =>
        _dirs.ListAsync(storage, vmid, _images.BackingOfAsync, _images.InfoAsync, ct);

    public Task<Domain.Cluster.StorageSpace> SpaceAsync(string storage, CancellationToken ct = default) =>
        Task.FromResult(FileSystemSpace.OfStorage(storage, _dirs.RootOf(storage)));

    public Task<VolumeInfo> CreateAsync(string volid, string format, long sizeBytes, string? backingVolid = null,
        CancellationToken ct = default) => _images.CreateAsync(volid, format, sizeBytes, backingVolid, ct);

    public async Task DeleteAsync(string volid, CancellationToken ct = default)
    {
        var v = _dirs.Resolve(volid);
        QemuBackups.DeleteWorkFiles(v);
        if (!v.Exists) return;
        await _dirs.RequireNoLinkedClonesAsync(v, _images.BackingOfAsync, ct);
        File.Delete(v.Path);
        _log.LogInformation("Deleted {VolId} on {Node}", volid, Node);
    }

    public Task RenameAsync(string fromVolid, string toVolid, CancellationToken ct = default)
    {
        if (_dirs.PlanRename(fromVolid, toVolid) is not var (from, to)) return Task.CompletedTask;
        File.Move(from.Path, to.Path);
        _log.LogInformation("Renamed {From} to {To} on {Node}", fromVolid, toVolid, Node);
        return Task.CompletedTask;
    }

    public Task SetReadOnlyAsync(string volid, bool readOnly, CancellationToken ct = default)
    {
        var v = _dirs.ResolveExisting(volid);
        File.SetUnixFileMode(v.Path, readOnly
            ? UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return Task.CompletedTask;
    }

    public Task ConvertAsync(string srcVolid, string dstVolid, string dstFormat, string? snapshot = null,
        long? bwlimitKiB = null, IProgress<CopyProgress>? progress = null, CancellationToken ct = default) =>
        _images.ConvertAsync(srcVolid, dstVolid, dstFormat, snapshot, bwlimitKiB, progress, ct);

    public async Task<NbdExport> ExportAsync(string volid, bool writable, CancellationToken ct = default) =>
        await _exports.ExportAsync(await _images.ExistingAsync(volid, ct), writable, ct);

    public Task CloseExportAsync(string exportId, CancellationToken ct = default) => _exports.CloseAsync(exportId, ct);

    public async Task<NbdExport> ExportFileAsync(string volid, long lengthBytes, CancellationToken ct = default)
    {
        var v = _dirs.Resolve(volid).RequireImage();
        if (lengthBytes <= 0) throw StorageErrors.SizeNotPositive();
        await DeleteAsync(volid, ct);
        Directory.CreateDirectory(v.Directory);
        // All zeroes, rounded up to a sector, served raw whatever the name says: the source's file bytes go in.
        var length = (lengthBytes + 511) / 512 * 512;
        using (var fs = new FileStream(v.Path, FileMode.CreateNew, FileAccess.Write))
            fs.SetLength(length);
        return await _exports.ExportAsync(new VolumeInfo(volid, v.Path, "raw", length, 0), writable: true, ct);
    }

    public Task CopyFileToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB = null,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default) =>
        _images.CopyFileToNbdAsync(srcVolid, nbdUri, bwlimitKiB, progress, ct);

    public Task CopyToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB = null,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default) =>
        _images.CopyToNbdAsync(srcVolid, nbdUri, bwlimitKiB, progress, ct);

    public Task ResizeAsync(string volid, long sizeBytes, CancellationToken ct = default) => _images.ResizeAsync(volid, sizeBytes, ct);

    public Task SnapshotCreateAsync(string volid, string name, CancellationToken ct = default) => _images.SnapshotCreateAsync(volid, name, ct);

    public Task SnapshotRollbackAsync(string volid, string name, CancellationToken ct = default) => _images.SnapshotRollbackAsync(volid, name, ct);

    public Task SnapshotDeleteAsync(string volid, string name, CancellationToken ct = default) => _images.SnapshotDeleteAsync(volid, name, ct);

    public Task CreateBackupAsync(string backupVolid, string configText, IReadOnlyList<(string Drive, string Volid)> disks,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default) =>
        _backups.CreateAsync(backupVolid, configText, disks, progress, ct);

    public Task<BackupManifest> ReadBackupAsync(string backupVolid, CancellationToken ct = default) => _backups.ReadAsync(backupVolid, ct);

    public Task RestoreDiskAsync(string backupVolid, string drive, string dstVolid, string dstFormat,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default) =>
        _backups.RestoreDiskAsync(backupVolid, drive, dstVolid, dstFormat, progress, ct);

    public async Task WriteCloudInitAsync(string volid, Domain.CloudInit.NoCloudImage image, CancellationToken ct = default)
    {
        var v = _dirs.Resolve(volid).RequireImage();
        Directory.CreateDirectory(v.Directory);
        await CloudInitIso.WriteAsync(_img, v.Path, v.Name.Format, image, ct);
    }

    public Task<string> ReadTextAsync(string volid, CancellationToken ct = default) =>
        StorageFiles.ReadDescriptorAsync(_dirs.TextFile(volid), ct);
}

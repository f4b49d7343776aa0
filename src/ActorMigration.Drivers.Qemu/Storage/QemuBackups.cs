using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Import;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>Backup archives (<see cref="BackupArchive"/>): disks converted to qcow2 by qemu-img, packed in a tar.</summary>
internal sealed class QemuBackups(DirStorage dirs, QemuImg img, QemuImageOps images, ILogger log)
{
    private string Node => dirs.Node;

    /// <summary>Where a backup archive is assembled before it is moved into place.</summary>
    public static string WorkDirOf(string archivePath) =>
        Path.Combine(Path.GetDirectoryName(archivePath)!, $".{Path.GetFileName(archivePath)}.work");

    /// <summary>Where a restored drive is extracted before it is converted into the volume.</summary>
    public static string RestoreTempOf(string volumePath) =>
        Path.Combine(Path.GetDirectoryName(volumePath)!, $".{Path.GetFileName(volumePath)}.restore");

    /// <summary>Work files of an interrupted backup or restore go with the volume they were for.</summary>
    public static void DeleteWorkFiles(DirVolume v)
    {
        if (v.Name.VType == "backup" && Directory.Exists(WorkDirOf(v.Path))) Directory.Delete(WorkDirOf(v.Path), true);
        if (v.Name.VType == "images" && File.Exists(RestoreTempOf(v.Path))) File.Delete(RestoreTempOf(v.Path));
    }

    public async Task CreateAsync(string backupVolid, string configText, IReadOnlyList<(string Drive, string Volid)> disks,
        IProgress<CopyProgress>? progress, CancellationToken ct)
    {
        var target = dirs.Resolve(backupVolid);
        if (target.Name.VType != "backup") throw StorageErrors.NotBackup(backupVolid);
        Directory.CreateDirectory(target.Directory);
        // One work directory per archive: an attempt that died (kill -9) left it behind; start it anew.
        var work = WorkDirOf(target.Path);
        if (Directory.Exists(work)) Directory.Delete(work, true);
        Directory.CreateDirectory(work);
        try
        {
            var infos = new List<(string Drive, VolumeInfo Info)>();
            foreach (var (drive, volid) in disks) infos.Add((drive, await images.ExistingAsync(volid, ct)));
            var grand = infos.Sum(i => i.Info.VirtualSize);
            long done = 0;
            var files = new List<(string Entry, string File)>();
            var entries = new List<BackupDisk>();
            foreach (var (drive, info) in infos)
            {
                var entry = BackupArchive.DiskEntry(drive);
                var file = Path.Combine(work, entry);
                await img.RunWithProgressAsync(["convert", "-p", "-f", info.Format, "-O", "qcow2", info.Path, file],
                    info.VirtualSize, progress, ct, done, grand);
                done += info.VirtualSize;
                files.Add((entry, file));
                entries.Add(new BackupDisk(drive, entry, "qcow2", info.VirtualSize));
            }
            var part = Path.Combine(work, "archive.tar");
            await BackupArchive.WriteAsync(part, configText,
                new BackupArchive.Manifest(BackupArchive.FormatTag, DateTimeOffset.UtcNow, entries), files, ct);
            if (BackupCompression.Of(target.Path) is { } method)
            {
                var packed = part + Path.GetExtension(target.Path);
                await BackupCompression.CompressAsync(part, packed, method, ct);
                part = packed;
            }
            File.Move(part, target.Path, overwrite: true);
            progress?.Report(new CopyProgress(grand, grand));
            log.LogInformation("Backup {VolId} on {Node} written with {Count} disks", backupVolid, Node, entries.Count);
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    public Task<BackupManifest> ReadAsync(string backupVolid, CancellationToken ct)
    {
        var file = dirs.ResolveExisting(backupVolid).File;
        return StorageFiles.WithFileAsync(file, fs =>
        {
            if (BackupCompression.Of(backupVolid) is not { } method) return BackupArchive.Read(fs, backupVolid);
            using var tar = BackupCompression.OpenDecompressed(fs, method);
            return BackupArchive.ReadSequential(tar, backupVolid);
        }, ct);
    }

    public async Task RestoreDiskAsync(string backupVolid, string drive, string dstVolid, string dstFormat,
        IProgress<CopyProgress>? progress, CancellationToken ct)
    {
        var manifest = await ReadAsync(backupVolid, ct);
        var disk = manifest.Disks.FirstOrDefault(d => d.Drive == drive) ?? throw StorageErrors.NoDrive(backupVolid, drive);
        if (UntrustedImage.RestoreRefusal(backupVolid, drive, disk.Format) is { } refused) throw new InvalidDataException(refused);
        var dst = dirs.ResolveTarget(dstVolid);
        // One extraction file per volume: an attempt that died (kill -9) left it behind; it is overwritten.
        var tmp = RestoreTempOf(dst.Path);
        try
        {
            await BackupArchive.ExtractAsync(dirs.ResolveExisting(backupVolid).File, disk.FileName, tmp, ct);
            // The archive's disk is untrusted: it may refer to no other file (header, then qemu-img info).
            var what = $"{backupVolid}/{disk.FileName}";
            UntrustedFiles.InspectExtracted(tmp, what, disk.Format);
            UntrustedFiles.Refuse(what, QemuImageFacts.From(await img.InfoAsync(tmp, disk.Format, ct), disk.Format, what, null), insideArchive: true);
            var args = new List<string> { "convert", "-p", "-f", disk.Format, "-O", dstFormat };
            if (dst.Exists) args.Add("-n");
            args.AddRange([tmp, dst.Path]);
            await img.RunWithProgressAsync(args, disk.SizeBytes, progress, ct);
            progress?.Report(new CopyProgress(disk.SizeBytes, disk.SizeBytes));
            log.LogInformation("Restored {Drive} of {Backup} into {VolId} on {Node}", drive, backupVolid, dstVolid, Node);
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}

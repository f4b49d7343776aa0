using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>Backup archives, OVA members and descriptor texts.</summary>
public sealed partial class QemuStorageDriver
{
    // ---- backup ----------------------------------------------------------------------

    public async Task CreateBackupAsync(string backupVolid, string configText, IReadOnlyList<(string Drive, string Volid)> disks,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var (_, v, path, _, _) = Resolve(backupVolid);
        if (v.VType != "backup") throw new ArgumentException($"'{backupVolid}' is not a backup volume");
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        // One work directory per archive: an attempt that died (kill -9) left it behind; start it anew.
        var work = WorkDirOf(path);
        if (Directory.Exists(work)) Directory.Delete(work, true);
        Directory.CreateDirectory(work);
        try
        {
            var infos = new List<(string Drive, VolumeInfo Info)>();
            foreach (var (drive, volid) in disks)
                infos.Add((drive, await InfoAsync(volid, ct) ?? throw new FileNotFoundException($"volume '{volid}' does not exist")));
            var grand = infos.Sum(i => i.Info.VirtualSize);
            long done = 0;
            var files = new List<(string Entry, string File)>();
            var entries = new List<BackupDisk>();
            foreach (var (drive, info) in infos)
            {
                var entry = BackupArchive.DiskEntry(drive);
                var file = Path.Combine(work, entry);
                await _img.RunWithProgressAsync(["convert", "-p", "-f", info.Format, "-O", "qcow2", info.Path, file],
                    info.VirtualSize, progress, ct, done, grand);
                done += info.VirtualSize;
                files.Add((entry, file));
                entries.Add(new BackupDisk(drive, entry, "qcow2", info.VirtualSize));
            }
            var part = Path.Combine(work, "archive.tar");
            await BackupArchive.WriteAsync(part, configText,
                new BackupArchive.Manifest(BackupArchive.FormatTag, DateTimeOffset.UtcNow, entries), files, ct);
            File.Move(part, path, overwrite: true);
            progress?.Report(new CopyProgress(grand, grand));
            _log.Information("Backup {VolId} on {Node} written with {Count} disks", backupVolid, Node, entries.Count);
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    public async Task<BackupManifest> ReadBackupAsync(string backupVolid, CancellationToken ct = default)
    {
        var file = Resolve(backupVolid).File.RequireFile();
        return await StorageFiles.WithFileAsync(file, fs => BackupArchive.Read(fs, backupVolid), ct);
    }

    public async Task RestoreDiskAsync(string backupVolid, string drive, string dstVolid, string dstFormat,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var manifest = await ReadBackupAsync(backupVolid, ct);
        var disk = manifest.Disks.FirstOrDefault(d => d.Drive == drive)
                   ?? throw new InvalidOperationException($"backup '{backupVolid}' has no drive '{drive}'");
        var dst = PathOf(dstVolid);
        var dstDir = Path.GetDirectoryName(dst)!;
        Directory.CreateDirectory(dstDir);
        // One extraction file per volume: an attempt that died (kill -9) left it behind; it is overwritten.
        var tmp = RestoreTempOf(dst);
        try
        {
            await BackupArchive.ExtractAsync(Resolve(backupVolid).File, disk.FileName, tmp, ct);
            var args = new List<string> { "convert", "-p", "-f", disk.Format, "-O", dstFormat };
            if (File.Exists(dst)) args.Add("-n");
            args.AddRange([tmp, dst]);
            await _img.RunWithProgressAsync(args, disk.SizeBytes, progress, ct);
            progress?.Report(new CopyProgress(disk.SizeBytes, disk.SizeBytes));
            _log.Information("Restored {Drive} of {Backup} into {VolId} on {Node}", drive, backupVolid, dstVolid, Node);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    // ---- OVA members -----------------------------------------------------------------

    /// <summary><c>storage:import/x.ova/disk.vmdk</c>: a disk inside an OVA archive (the .ova must be a regular file).</summary>
    private static (StoragePath Ova, string Name)? OvaMember(VolumeName v, string root)
    {
        var slash = v.Name.LastIndexOf('/');
        if (v.VType != "import" || slash < 0 || !v.Name[..slash].EndsWith(".ova", StringComparison.OrdinalIgnoreCase)) return null;
        var ova = StorageFiles.Resolve(root, $"import/{v.Name[..slash]}", $"{v.Storage}:import/{v.Name[..slash]}");
        return ova.IsFile ? (ova, v.Name[(slash + 1)..]) : null;
    }

    /// <summary>
    /// A disk inside an OVA is read in place by qemu-img: a raw window (offset/size) of the archive under the
    /// image's format driver, so nothing needs extracting. Its <see cref="VolumeInfo.Path"/> is that json: spec.
    /// </summary>
    private async Task<VolumeInfo?> OvaMemberInfoAsync(string volid, StoragePath ova, string name, CancellationToken ct)
    {
        var format = Path.GetExtension(name).TrimStart('.').ToLowerInvariant();
        if (format is not ("vmdk" or "qcow2" or "raw")) return null;
        if (await StorageFiles.WithFileAsync(ova, fs => TarIndex.Find(fs, ova.VolId, n => n == name), ct) is not { } m) return null;
        var spec = new JsonObject
        {
            ["driver"] = format,
            ["file"] = new JsonObject
            {
                ["driver"] = "raw", ["offset"] = m.DataOffset, ["size"] = m.Length,
                ["file"] = new JsonObject { ["driver"] = "file", ["filename"] = ova.Path }
            }
        };
        var json = "json:" + spec.ToJsonString();
        var j = await _img.InfoAsync(json, ct);
        return new VolumeInfo(volid, json, format, j["virtual-size"]?.GetValue<long>() ?? 0, m.Length, null, ReadOnly: true);
    }

    // ---- text ------------------------------------------------------------------------

    public async Task WriteCloudInitAsync(string volid, Domain.CloudInit.NoCloudImage image, CancellationToken ct = default)
    {
        var (_, v, path, _, _) = Resolve(volid);
        if (v.VType != "images") throw new ArgumentException($"'{volid}' is not an image volume");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await CloudInitIso.WriteAsync(_img, path, v.Format, image, ct);
    }

    public Task<string> ReadTextAsync(string volid, CancellationToken ct = default)
    {
        var (_, v, _, _, file) = Resolve(volid);
        if (v.VType is not ("import" or "backup" or "snippets")) throw new ArgumentException($"'{volid}' is not an import or backup file");
        return StorageFiles.ReadDescriptorAsync(file.RequireFile(), ct);
    }
}

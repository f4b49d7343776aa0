using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Util;
using ActorMigration.Drivers.Storage;
using Serilog;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>
/// Volumes as files in dir storages (<see cref="StorageDefinition.PathOn"/> + <see cref="VolumeName.RelativePath"/>),
/// handled with qemu-img and qemu-nbd. qemu-img info is the truth about formats and sizes.
/// </summary>
public sealed class QemuStorageDriver : IStorageDriver
{
    private static readonly Regex LinkedBacking = new(@"^\.\./(\d+)/(base-\d+-[^/]+)$", RegexOptions.Compiled);
    private static readonly Regex ImageFile = new(@"^(base|vm)-(\d+)-(\S+)\.(raw|qcow2|vmdk)$", RegexOptions.Compiled);
    private static readonly string[] DiskExtensions = ["qcow2", "raw", "vmdk", "img", "iso"];

    private readonly NodeSettings _settings;
    private readonly QemuDriverOptions _options;
    private readonly PortAllocator _ports;
    private readonly QemuImg _img;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _exportLock = new(1, 1);

    public QemuStorageDriver(NodeSettings settings, QemuDriverOptions options, PortAllocator? ports = null)
    {
        _settings = settings;
        _options = options;
        _ports = ports ?? new PortAllocator(settings.Address, settings.PortRangeStart, settings.PortRangeEnd);
        _img = new QemuImg(options.QemuImg);
        _log = options.Log.ForContext<QemuStorageDriver>().ForContext("Node", settings.Node);
        AdoptExports();
    }

    public string Node => _settings.Node;

    private string ExportDir => Path.Combine(_settings.RunDir, "nbd");

    // ---- paths -----------------------------------------------------------------

    public string PathOf(string volid) => Resolve(volid).Path;

    /// <summary>A volume's file, resolved by <see cref="StorageFiles.Resolve"/> (no symlink out of the storage).</summary>
    private (StorageDefinition Storage, VolumeName Vol, string Path, string Root, StoragePath File) Resolve(string volid)
    {
        var v = VolumeName.Parse(volid);
        var st = _settings.Storage.Get(v.Storage) ?? throw new ArgumentException($"storage '{v.Storage}' does not exist");
        if (!st.AvailableOn(Node)) throw new ArgumentException($"storage '{v.Storage}' is not available on node '{Node}'");
        var root = Path.GetFullPath(st.PathOn(Node));
        var file = StorageFiles.Resolve(root, v.RelativePath, volid);
        return (st, v, file.Path, root, file);
    }

    // ---- info / list -------------------------------------------------------------

    public async Task<VolumeInfo?> InfoAsync(string volid, CancellationToken ct = default)
    {
        var (_, v, path, root, file) = Resolve(volid);
        if (OvaMember(v, root) is { } member) return await OvaMemberInfoAsync(volid, member.Ova, member.Name, ct);
        if (!file.Exists) return null;
        file.RequireFile();
        var readOnly = (File.GetUnixFileMode(path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0;
        if (!IsDiskImage(v))
        {
            var len = new FileInfo(path).Length;
            return new VolumeInfo(volid, path, v.Format, len, len, ReadOnly: readOnly);
        }
        var j = await _img.InfoAsync(path, ct);
        var snapshots = (j["snapshots"] as JsonArray)?.Select(s => s?["name"]?.ToString() ?? "").Where(s => s.Length > 0).ToList();
        return new VolumeInfo(volid, path,
            j["format"]?.ToString() ?? v.Format,
            j["virtual-size"]?.GetValue<long>() ?? 0,
            j["actual-size"]?.GetValue<long>() ?? 0,
            j["backing-filename"]?.ToString(),
            readOnly,
            snapshots ?? [],
            new FileInfo(path).Length);
    }

    private static bool IsDiskImage(VolumeName v) =>
        v.VType is "images" or "iso" || (v.VType == "import" && DiskExtensions.Contains(v.Format));

    public async Task<IReadOnlyList<VolumeInfo>> ListAsync(string storage, int? vmid = null, CancellationToken ct = default)
    {
        var st = _settings.Storage.Get(storage) ?? throw new ArgumentException($"storage '{storage}' does not exist");
        var root = st.PathOn(Node);
        var volids = new List<string>();
        var images = Path.Combine(root, "images");
        if (Directory.Exists(images))
        {
            foreach (var dir in Directory.EnumerateDirectories(images).Order())
            {
                if (!int.TryParse(Path.GetFileName(dir), out var owner) || (vmid is not null && owner != vmid)) continue;
                foreach (var file in Directory.EnumerateFiles(dir).Order())
                {
                    var name = Path.GetFileName(file);
                    if (!ImageFile.IsMatch(name)) continue;
                    volids.Add(await ImageVolIdAsync(storage, root, owner, name, ct));
                }
            }
        }
        if (vmid is null)
        {
            AddFiles(Path.Combine(root, "dump"), f => f.EndsWith(".tar", StringComparison.Ordinal), f => $"{storage}:backup/{f}");
            AddFiles(Path.Combine(root, "template", "iso"), _ => true, f => $"{storage}:iso/{f}");
            AddFiles(Path.Combine(root, "import"), _ => true, f => $"{storage}:import/{f}");
        }
        var result = new List<VolumeInfo>();
        foreach (var volid in volids)
        {
            if (!VolumeName.TryParse(volid, out _, out _)) continue;
            try
            {
                if (await InfoAsync(volid, ct) is { } info) result.Add(info);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException)
            {
                _log.Warning("Not listing {VolId} on {Node}: {Error}", volid, Node, e.Message);
            }
        }
        return result;

        void AddFiles(string dir, Func<string, bool> keep, Func<string, string> volidOf)
        {
            if (!Directory.Exists(dir)) return;
            foreach (var f in Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order())
                if (f is not null && !f.StartsWith('.') && keep(f)) volids.Add(volidOf(f));
        }
    }

    /// <summary>A linked clone's volid names its base: local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2.</summary>
    private async Task<string> ImageVolIdAsync(string storage, string root, int owner, string name, CancellationToken ct)
    {
        var volid = VolumeName.ImageVolId(storage, owner, name);
        if (!name.EndsWith(".qcow2", StringComparison.Ordinal)) return volid;
        try
        {
            // Only a regular file inside the storage is asked (the listing leaves the others out later).
            if (StorageFiles.Resolve(root, $"images/{owner}/{name}", volid) is not { IsFile: true } file) return volid;
            var j = await _img.InfoAsync(file.Path, ct);
            if (j["backing-filename"]?.ToString() is { } b && LinkedBacking.Match(b) is { Success: true } m)
                return $"{storage}:{m.Groups[1].Value}/{m.Groups[2].Value}/{owner}/{name}";
        }
        catch (Exception e) when (e is InvalidOperationException or UnauthorizedAccessException or IOException)
        {
            _log.Warning("Cannot read {VolId}: {Error}", volid, e.Message);
        }
        return volid;
    }

    // ---- create / delete / rename ----------------------------------------------------

    public async Task<VolumeInfo> CreateAsync(string volid, string format, long sizeBytes, string? backingVolid = null, CancellationToken ct = default)
    {
        var (_, v, path, _, _) = Resolve(volid);
        if (v.VType != "images") throw new ArgumentException($"'{volid}' is not an image volume");
        if (!string.Equals(v.Format, format, StringComparison.Ordinal))
            throw new ArgumentException($"volume name '{v.Name}' does not match format '{format}'");
        if (format is not ("qcow2" or "raw" or "vmdk")) throw new ArgumentException($"unsupported format '{format}'");

        string? backingPath = null, backingRel = null, backingFormat = null;
        long backingSize = 0;
        if (backingVolid is not null)
        {
            if (format != "qcow2") throw new ArgumentException("a linked clone (backing volume) needs qcow2");
            var b = await InfoAsync(backingVolid, ct) ?? throw new FileNotFoundException($"backing volume '{backingVolid}' does not exist");
            backingPath = b.Path;
            backingFormat = b.Format;
            backingSize = b.VirtualSize;
            backingRel = Path.GetRelativePath(Path.GetDirectoryName(path)!, backingPath);
        }

        if (File.Exists(path))
        {
            var existing = (await InfoAsync(volid, ct))!;
            var sameBacking = backingRel is null ? existing.BackingFile is null : existing.BackingFile == backingRel;
            if (existing.Format == format && sameBacking && (backingRel is not null || existing.VirtualSize >= sizeBytes))
            {
                _log.Information("Volume {VolId} on {Node} already exists", volid, Node);
                return existing;
            }
            throw new IOException($"volume '{volid}' already exists");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var args = new List<string> { "create", "-q", "-f", format };
        if (backingRel is not null)
        {
            args.AddRange(["-F", backingFormat!, "-b", backingRel, path]);
            // An overlay takes its size from the base; only a larger size is passed.
            if (sizeBytes > backingSize) args.Add(sizeBytes.ToString());
        }
        else
        {
            if (sizeBytes <= 0) throw new ArgumentException("size must be positive");
            args.AddRange([path, sizeBytes.ToString()]);
        }
        await _img.RunAsync(args, ct);
        _log.Information("Created {VolId} on {Node} ({Format}, {Size} bytes, backing {Backing})", volid, Node, format, sizeBytes, backingRel);
        return (await InfoAsync(volid, ct))!;
    }

    /// <summary>Where a backup archive is assembled before it is moved into place.</summary>
    private static string WorkDirOf(string archivePath) =>
        Path.Combine(Path.GetDirectoryName(archivePath)!, $".{Path.GetFileName(archivePath)}.work");

    /// <summary>Where a restored drive is extracted before it is converted into the volume.</summary>
    private static string RestoreTempOf(string volumePath) =>
        Path.Combine(Path.GetDirectoryName(volumePath)!, $".{Path.GetFileName(volumePath)}.restore");

    public async Task DeleteAsync(string volid, CancellationToken ct = default)
    {
        var (_, v, path, root, _) = Resolve(volid);
        // Work files of an interrupted backup or restore go with the volume they were for.
        if (v.VType == "backup" && Directory.Exists(WorkDirOf(path))) Directory.Delete(WorkDirOf(path), true);
        if (v.VType == "images" && File.Exists(RestoreTempOf(path))) File.Delete(RestoreTempOf(path));
        if (!File.Exists(path)) return;
        if (v.IsBase)
        {
            var users = await LinkedClonesOfAsync(root, v, ct);
            if (users.Count > 0) throw new InvalidOperationException($"base volume '{volid}' is still used by linked clones: {string.Join(", ", users)}");
        }
        File.Delete(path);
        _log.Information("Deleted {VolId} on {Node}", volid, Node);
    }

    private async Task<List<string>> LinkedClonesOfAsync(string root, VolumeName baseVol, CancellationToken ct)
    {
        var rel = $"../{baseVol.VmId}/{baseVol.Name}";
        var users = new List<string>();
        var images = Path.Combine(root, "images");
        if (!Directory.Exists(images)) return users;
        foreach (var f in Directory.EnumerateFiles(images, "*.qcow2", SearchOption.AllDirectories))
        {
            if (f.EndsWith("/" + baseVol.Name, StringComparison.Ordinal) || !PlainFile(f)) continue;
            var j = await _img.InfoAsync(f, ct);
            if (j["backing-filename"]?.ToString() == rel) users.Add(Path.GetRelativePath(images, f));
        }
        return users;

        // A regular file reached without a symlink (no FIFO for qemu-img to hang on).
        bool PlainFile(string f)
        {
            try
            {
                return StorageFiles.Resolve(root, Path.GetRelativePath(root, f), f) is { IsFile: true } file && file.Path == f;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                return false;
            }
        }
    }

    public Task RenameAsync(string fromVolid, string toVolid, CancellationToken ct = default)
    {
        var from = Resolve(fromVolid);
        var to = Resolve(toVolid);
        if (from.Storage.Id != to.Storage.Id) throw new ArgumentException("rename works within one storage");
        if (!File.Exists(from.Path))
        {
            if (File.Exists(to.Path)) return Task.CompletedTask; // done before
            throw new FileNotFoundException($"volume '{fromVolid}' does not exist");
        }
        if (File.Exists(to.Path)) throw new IOException($"volume '{toVolid}' already exists");
        Directory.CreateDirectory(Path.GetDirectoryName(to.Path)!);
        File.Move(from.Path, to.Path);
        _log.Information("Renamed {From} to {To} on {Node}", fromVolid, toVolid, Node);
        return Task.CompletedTask;
    }

    public Task SetReadOnlyAsync(string volid, bool readOnly, CancellationToken ct = default)
    {
        var path = PathOf(volid);
        if (!File.Exists(path)) throw new FileNotFoundException($"volume '{volid}' does not exist");
        File.SetUnixFileMode(path, readOnly
            ? UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return Task.CompletedTask;
    }

    // ---- copies ----------------------------------------------------------------------

    public async Task ConvertAsync(string srcVolid, string dstVolid, string dstFormat, string? snapshot = null,
        long? bwlimitKiB = null, IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var src = await InfoAsync(srcVolid, ct) ?? throw new FileNotFoundException($"volume '{srcVolid}' does not exist");
        var dst = PathOf(dstVolid);
        var args = new List<string> { "convert", "-p", "-f", src.Format, "-O", dstFormat };
        if (snapshot is not null)
        {
            if (src.Format != "qcow2") throw new NotSupportedException($"snapshots need qcow2; '{srcVolid}' is {src.Format}");
            if (src.Snapshots?.Contains(snapshot) != true) throw new InvalidOperationException($"'{srcVolid}' has no snapshot '{snapshot}'");
            args.AddRange(["-U", "-l", $"snapshot.name={snapshot}"]);
        }
        args.AddRange(QemuImg.RateLimit(bwlimitKiB));
        if (File.Exists(dst)) args.Add("-n");
        else Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
        args.AddRange([src.Path, dst]);
        _log.Information("Converting {Src} to {Dst} ({Format}) on {Node}, snapshot {Snapshot}, bwlimit {BwLimitKiB} KiB/s",
            srcVolid, dstVolid, dstFormat, Node, snapshot, bwlimitKiB);
        await _img.RunWithProgressAsync(args, src.VirtualSize, progress, ct);
        progress?.Report(new CopyProgress(src.VirtualSize, src.VirtualSize));
    }

    public async Task<NbdExport> ExportAsync(string volid, bool writable, CancellationToken ct = default)
    {
        var info = await InfoAsync(volid, ct) ?? throw new FileNotFoundException($"volume '{volid}' does not exist");
        await _exportLock.WaitAsync(ct);
        try
        {
            foreach (var rec in ExportRecords())
                if (rec.VolId == volid && rec.Writable == writable && IsAlive(rec))
                    return new NbdExport(rec.Id, rec.Uri);

            Directory.CreateDirectory(ExportDir);
            var exportName = Path.GetFileNameWithoutExtension(VolumeName.Parse(volid).Name);
            for (var attempt = 1; ; attempt++)
            {
                var port = _ports.Acquire();
                var id = $"{exportName}-{port}";
                var pidFile = Path.Combine(ExportDir, id + ".pid");
                var args = new List<string>
                {
                    "--fork", "--pid-file", pidFile, "-b", _settings.Address, "-p", port.ToString(),
                    "-x", exportName, "-f", info.Format, "--persistent", "--shared=8"
                };
                if (!writable) args.Add("--read-only");
                args.Add(info.Path);
                var r = await ProcessRunner.RunAsync(_options.QemuNbd, args, TimeSpan.FromSeconds(30), ct: ct);
                if (r.ExitCode != 0)
                {
                    _ports.Release(port);
                    if (attempt < 3 && r.ErrorText.Contains("in use", StringComparison.OrdinalIgnoreCase)) continue;
                    throw new InvalidOperationException($"qemu-nbd for '{volid}' failed: {r.ErrorText}");
                }
                var host = _settings.Address.Contains(':') ? $"[{_settings.Address}]" : _settings.Address;
                var rec = new NbdExportRecord(id, volid, info.Path, port, writable, $"nbd://{host}:{port}/{exportName}", pidFile);
                rec.Write(Path.Combine(ExportDir, id + ".json"));
                _log.Information("Exported {VolId} on {Node} at {Uri} ({Mode})", volid, Node, rec.Uri, writable ? "writable" : "read-only");
                return new NbdExport(id, rec.Uri);
            }
        }
        finally
        {
            _exportLock.Release();
        }
    }

    public async Task CloseExportAsync(string exportId, CancellationToken ct = default)
    {
        await _exportLock.WaitAsync(ct);
        try
        {
            var file = Path.Combine(ExportDir, exportId + ".json");
            if (NbdExportRecord.Read(file) is not { } rec) return;
            if (ProcessTools.ReadPidFile(rec.PidFile) is { } pid)
                await ProcessTools.TerminateAsync(pid, rec.PidFile, TimeSpan.FromSeconds(5), ct);
            File.Delete(rec.PidFile);
            File.Delete(file);
            _ports.Release(rec.Port);
            _log.Information("Closed export {ExportId} of {VolId} on {Node}", exportId, rec.VolId, Node);
        }
        finally
        {
            _exportLock.Release();
        }
    }

    public async Task CopyToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB = null,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var src = await InfoAsync(srcVolid, ct) ?? throw new FileNotFoundException($"volume '{srcVolid}' does not exist");
        var args = new List<string> { "convert", "-p", "-n", "-f", src.Format, "-O", "raw" };
        args.AddRange(QemuImg.RateLimit(bwlimitKiB));
        args.AddRange([src.Path, nbdUri]);
        _log.Information("Copying {Src} on {Node} to {Target}, bwlimit {BwLimitKiB} KiB/s", srcVolid, Node, nbdUri, bwlimitKiB);
        await _img.RunWithProgressAsync(args, src.VirtualSize, progress, ct);
        progress?.Report(new CopyProgress(src.VirtualSize, src.VirtualSize));
    }

    public async Task<NbdExport> ExportFileAsync(string volid, long lengthBytes, CancellationToken ct = default)
    {
        var (_, v, path, _, _) = Resolve(volid);
        if (v.VType != "images") throw new ArgumentException($"'{volid}' is not an image volume");
        if (lengthBytes <= 0) throw new ArgumentException("size must be > 0");
        await DeleteAsync(volid, ct);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // All zeroes: qemu-img info (and so the export) sees a raw file of the length, rounded up to a sector.
        using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            fs.SetLength((lengthBytes + 511) / 512 * 512);
        return await ExportAsync(volid, writable: true, ct);
    }

    public async Task CopyFileToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB = null,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var src = await InfoAsync(srcVolid, ct) ?? throw new FileNotFoundException($"volume '{srcVolid}' does not exist");
        var length = new FileInfo(src.Path).Length;
        // The file's bytes as they are (-f raw): qcow2 internal snapshots travel with it; zero areas stay holes.
        var args = new List<string> { "convert", "-p", "-n", "--target-is-zero", "-f", "raw", "-O", "raw" };
        args.AddRange(QemuImg.RateLimit(bwlimitKiB));
        args.AddRange([src.Path, nbdUri]);
        _log.Information("Copying the file of {Src} on {Node} to {Target}, bwlimit {BwLimitKiB} KiB/s", srcVolid, Node, nbdUri, bwlimitKiB);
        await _img.RunWithProgressAsync(args, length, progress, ct);
        progress?.Report(new CopyProgress(length, length));
    }

    // ---- snapshots -------------------------------------------------------------------

    public async Task SnapshotCreateAsync(string volid, string name, CancellationToken ct = default)
    {
        var info = await QcowOrThrowAsync(volid, ct);
        if (info.Snapshots?.Contains(name) == true) return;
        await _img.RunAsync(["snapshot", "-c", name, info.Path], ct);
        _log.Information("Snapshot {Snapshot} of {VolId} created on {Node}", name, volid, Node);
    }

    public async Task SnapshotRollbackAsync(string volid, string name, CancellationToken ct = default)
    {
        var info = await QcowOrThrowAsync(volid, ct);
        if (info.Snapshots?.Contains(name) != true) throw new InvalidOperationException($"'{volid}' has no snapshot '{name}'");
        await _img.RunAsync(["snapshot", "-a", name, info.Path], ct);
        _log.Information("Rolled {VolId} back to {Snapshot} on {Node}", volid, name, Node);
    }

    public async Task SnapshotDeleteAsync(string volid, string name, CancellationToken ct = default)
    {
        var info = await QcowOrThrowAsync(volid, ct);
        if (info.Snapshots?.Contains(name) != true) return;
        await _img.RunAsync(["snapshot", "-d", name, info.Path], ct);
        _log.Information("Snapshot {Snapshot} of {VolId} deleted on {Node}", name, volid, Node);
    }

    private async Task<VolumeInfo> QcowOrThrowAsync(string volid, CancellationToken ct)
    {
        var info = await InfoAsync(volid, ct) ?? throw new FileNotFoundException($"volume '{volid}' does not exist");
        if (info.Format != "qcow2")
            throw new NotSupportedException($"snapshots need qcow2; '{volid}' is {info.Format}");
        return info;
    }

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

    // ---- exports bookkeeping ----------------------------------------------------------

    private IEnumerable<NbdExportRecord> ExportRecords()
    {
        if (!Directory.Exists(ExportDir)) yield break;
        foreach (var f in Directory.EnumerateFiles(ExportDir, "*.json"))
            if (NbdExportRecord.Read(f) is { } rec) yield return rec;
    }

    private static bool IsAlive(NbdExportRecord rec) =>
        ProcessTools.ReadPidFile(rec.PidFile) is { } pid && ProcessTools.IsAlive(pid, rec.PidFile);

    /// <summary>Reserves ports of exports left by an earlier member; forgets dead ones.</summary>
    private void AdoptExports()
    {
        foreach (var rec in ExportRecords().ToList())
        {
            if (IsAlive(rec)) _ports.Reserve(rec.Port);
            else
            {
                File.Delete(Path.Combine(ExportDir, rec.Id + ".json"));
                File.Delete(rec.PidFile);
            }
        }
    }
}

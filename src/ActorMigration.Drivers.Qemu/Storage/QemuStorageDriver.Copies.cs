using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>Volume copies (qemu-img convert, NBD) and qcow2 snapshots.</summary>
public sealed partial class QemuStorageDriver
{
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
}

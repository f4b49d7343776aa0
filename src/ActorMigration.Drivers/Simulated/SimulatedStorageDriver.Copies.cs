using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Storage;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Simulated volume copies, NBD exports and snapshots.</summary>
public sealed partial class SimulatedStorageDriver
{
    public async Task ConvertAsync(string srcVolid, string dstVolid, string dstFormat, string? snapshot = null,
        long? bwlimitKiB = null, IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var sm = await SourceMetaAsync(srcVolid, ct);
        if (snapshot is not null && sm.Format != "qcow2") throw StorageErrors.SnapshotsNeedQcow2(srcVolid, sm.Format);
        if (snapshot is not null && sm.Snapshots.All(s => s.Name != snapshot)) throw StorageErrors.NoSnapshot(srcVolid, snapshot);
        var dst = Wrap(_dirs.ResolveTarget(dstVolid));
        var size = snapshot is null ? sm.VirtualSize : sm.Snapshots.First(s => s.Name == snapshot).VirtualSize;
        PrepareTarget(dst, dstFormat, size);
        var fail = _faults.TryFire(FaultPhase.CopyDisks, Node, dst.Name.VmId ?? VolumeName.Parse(srcVolid).VmId) is not null;
        _log.LogInformation("Node {Node}: converting {Src} to {Dst} ({Size} bytes)", Node, srcVolid, dstVolid, size);
        await SimulateCopyAsync(size, Limit(_options.DiskBandwidthBytesPerSec, bwlimitKiB), progress,
            fail ? FaultPhase.CopyDisks : null, ct);
        FinishTarget(dst.Path, dst.MetaPath, sm.Allocated);
    }

    /// <summary>qemu-img convert target: an existing volume (-n) must be large enough, else it is created.</summary>
    private void PrepareTarget(Vol dst, string format, long size)
    {
        if (dst.Exists)
        {
            var dm = ReadMeta(dst);
            if (dm.VirtualSize < size)
                throw StorageErrors.TargetTooSmall(dst.Name.VolId, dm.VirtualSize, size);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(dst.Path)!);
        using (var fs = new FileStream(dst.Path, FileMode.CreateNew, FileAccess.Write)) fs.SetLength(size);
        SimFiles.WriteJson(dst.MetaPath, new VolumeMeta { Format = format, VirtualSize = size });
    }

    private static void FinishTarget(string path, string metaPath, long allocated)
    {
        using var _ = MetaLock(metaPath);
        var m = ReadMeta(path, metaPath, "raw");
        m.Allocated = Math.Min(m.VirtualSize, Math.Max(m.Allocated, allocated));
        m.BackingVolId = null;
        SimFiles.WriteJson(metaPath, m);
    }

    public Task<NbdExport> ExportAsync(string volid, bool writable, CancellationToken ct = default)
    {
        var v = ResolveExisting(volid);
        var id = $"nbd-{v.Name.VmId?.ToString() ?? "vol"}-{Guid.NewGuid().ToString("N")[..8]}";
        var file = SimPaths.NbdFile(_settings.RunDir, id);
        var export = _ports.Allocate(port =>
        {
            SimFiles.WriteJson(file, new NbdExportRecord
            {
                ExportId = id, Node = Node, VolId = volid, Path = v.Path, MetaPath = v.MetaPath, Writable = writable, Port = port
            });
            return new NbdExport(id, SimUris.Export(Node, port, id, Path.GetFullPath(file)));
        });
        _log.LogInformation("Node {Node}: exporting {VolId} as {Uri}", Node, volid, export.Uri);
        return Task.FromResult(export);
    }

    public Task CloseExportAsync(string exportId, CancellationToken ct = default)
    {
        SimFiles.DeleteIfExists(SimPaths.NbdFile(_settings.RunDir, exportId));
        return Task.CompletedTask;
    }

    public async Task CopyToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB = null,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var src = ResolveExisting(srcVolid);
        var sm = ReadMeta(src);
        var registry = SimUris.RegistryFile(nbdUri);
        NbdExportRecord? export = null;
        if (registry is not null)
        {
            export = SimFiles.ReadJson<NbdExportRecord>(registry)
                     ?? throw new IOException($"Failed to connect to '{nbdUri}': Connection refused");
            if (!export.Writable) throw new IOException($"NBD export '{export.ExportId}' is read-only");
            var dm = ReadMeta(export.Path, export.MetaPath, "raw");
            if (dm.VirtualSize < sm.VirtualSize)
                throw new IOException($"NBD export '{export.ExportId}' is smaller ({dm.VirtualSize}) than the source ({sm.VirtualSize})");
        }
        // else: an NBD server of a simulated incoming VM; its disk exists already, only the time is simulated
        var targetNode = export?.Node ?? SimUris.TargetHost(nbdUri);
        var fail = _faults.TryFire(FaultPhase.CopyDisks, Node, src.Name.VmId) is not null;
        _log.LogInformation("Node {Node}: copying {Src} to {Uri} ({Size} bytes)", Node, srcVolid, nbdUri, sm.VirtualSize);
        await SimulateCopyAsync(sm.VirtualSize, Limit(_options.LinkBandwidth(Node, targetNode), bwlimitKiB), progress,
            fail ? FaultPhase.CopyDisks : null, ct);
        if (export is not null)
        {
            if (!File.Exists(export.Path)) throw new IOException($"NBD export '{export.ExportId}': volume vanished");
            FinishTarget(export.Path, export.MetaPath, sm.Allocated);
        }
    }

    public async Task<NbdExport> ExportFileAsync(string volid, long lengthBytes, CancellationToken ct = default)
    {
        var v = Wrap(_dirs.Resolve(volid).RequireImage());
        if (lengthBytes <= 0) throw StorageErrors.SizeNotPositive();
        await DeleteAsync(volid, ct);
        Directory.CreateDirectory(Path.GetDirectoryName(v.Path)!);
        using (var fs = new FileStream(v.Path, FileMode.CreateNew, FileAccess.Write)) fs.SetLength(lengthBytes);
        SimFiles.WriteJson(v.MetaPath, new VolumeMeta { Format = "raw", VirtualSize = lengthBytes });
        return await ExportAsync(volid, writable: true, ct);
    }

    /// <summary>The file's bytes: the target takes the source's sidecar whole (format, size, snapshots).</summary>
    public async Task CopyFileToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB = null,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var src = ResolveExisting(srcVolid);
        var sm = ReadMeta(src);
        var length = new FileInfo(src.Path).Length;
        var registry = SimUris.RegistryFile(nbdUri) ?? throw new IOException($"'{nbdUri}' is no file export");
        var export = SimFiles.ReadJson<NbdExportRecord>(registry) ?? throw new IOException($"Failed to connect to '{nbdUri}': Connection refused");
        if (!export.Writable) throw new IOException($"NBD export '{export.ExportId}' is read-only");
        if (new FileInfo(export.Path).Length < length)
            throw new IOException($"NBD export '{export.ExportId}' is smaller than the file of '{srcVolid}' ({length})");
        var fail = _faults.TryFire(FaultPhase.CopyDisks, Node, src.Name.VmId) is not null;
        _log.LogInformation("Node {Node}: copying the file of {Src} to {Uri} ({Size} bytes)", Node, srcVolid, nbdUri, length);
        await SimulateCopyAsync(Math.Max(sm.Allocated, 1), Limit(_options.LinkBandwidth(Node, export.Node), bwlimitKiB), progress,
            fail ? FaultPhase.CopyDisks : null, ct);
        if (!File.Exists(export.Path)) throw new IOException($"NBD export '{export.ExportId}': volume vanished");
        using (MetaLock(export.MetaPath))
        {
            using (var fs = new FileStream(export.Path, FileMode.Open, FileAccess.Write)) fs.SetLength(length);
            SimFiles.WriteJson(export.MetaPath, sm);
        }
    }

    public Task SnapshotCreateAsync(string volid, string name, CancellationToken ct = default) =>
        EditMeta(volid, true, m =>
        {
            // Creating an existing snapshot does nothing (qemu-img's driver checks first as well).
            if (m.Snapshots.Any(s => s.Name == name)) return;
            m.Snapshots.Add(new SnapshotMeta { Name = name, VirtualSize = m.VirtualSize, CreatedAt = _clock.Now });
        });

    public Task SnapshotRollbackAsync(string volid, string name, CancellationToken ct = default) =>
        EditMeta(volid, true, m =>
        {
            var s = m.Snapshots.FirstOrDefault(s => s.Name == name)
                    ?? throw StorageErrors.NoSnapshot(volid, name);
            m.VirtualSize = s.VirtualSize;
        });

    public Task SnapshotDeleteAsync(string volid, string name, CancellationToken ct = default) =>
        EditMeta(volid, true, m => m.Snapshots.RemoveAll(s => s.Name == name));

    private Task EditMeta(string volid, bool needsSnapshots, Action<VolumeMeta> edit)
    {
        var v = ResolveExisting(volid);
        using var _ = MetaLock(v.MetaPath);
        var m = ReadMeta(v);
        if (needsSnapshots && m.Format != "qcow2")
            throw StorageErrors.SnapshotsNeedQcow2(volid, m.Format);
        edit(m);
        SimFiles.WriteJson(v.MetaPath, m);
        if (new FileInfo(v.Path).Length != m.VirtualSize && m.BackingVolId is null)
            using (var fs = new FileStream(v.Path, FileMode.Open, FileAccess.Write)) fs.SetLength(m.VirtualSize);
        return Task.CompletedTask;
    }
}

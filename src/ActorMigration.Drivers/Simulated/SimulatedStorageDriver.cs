using System.Text.RegularExpressions;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Import;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Dir storages with real sparse files at the real paths (length = virtual size) plus a JSON sidecar per volume in
/// <c>&lt;storage&gt;/.sim/</c> (format, backing volid, snapshots, read-only). Copies take size / bandwidth of
/// simulated time. NBD exports are files in the run dir whose path travels in the export URI.
/// </summary>
public sealed partial class SimulatedStorageDriver : IStorageDriver
{
    private const long Qcow2OverlayBytes = 196_608;
    private static readonly Regex BackupVmId = new(@"^vzdump-(?:qemu|lxc)-(\d+)-", RegexOptions.Compiled);

    private readonly NodeSettings _settings;
    private readonly SimulationOptions _options;
    private readonly SimClock _clock;
    private readonly FaultInjector _faults;
    private readonly SimPortAllocator _ports;
    private readonly DirStorage _dirs;
    private readonly ILogger _log;

    public SimulatedStorageDriver(NodeSettings settings, SimulationOptions options, TimeProvider? time = null,
        FaultInjector? faults = null, ILogger<SimulatedStorageDriver>? log = null)
        : this(settings, options, new SimClock(time ?? TimeProvider.System, options.SpeedFactor),
            faults ?? new FaultInjector(options.Faults, options.FaultStateFile),
            new SimPortAllocator(settings.RunDir, settings.PortRangeStart, settings.PortRangeEnd),
            log ?? NullLogger<SimulatedStorageDriver>.Instance)
    {
    }

    internal SimulatedStorageDriver(NodeSettings settings, SimulationOptions options, SimClock clock,
        FaultInjector faults, SimPortAllocator ports, ILogger<SimulatedStorageDriver> log)
    {
        options.Validate();
        _log = log;
        _settings = settings;
        _options = options;
        _clock = clock;
        _faults = faults;
        _ports = ports;
        _dirs = new DirStorage(settings, log);
    }

    public string Node => _settings.Node;

    /// <summary>A volume (paths and symlinks by <see cref="DirStorage"/>) and its sidecar.</summary>
    private sealed record Vol(VolumeName Name, string Root, StoragePath File, string MetaPath)
    {
        public string Path => File.Path;
        public bool Exists => File.Exists;
    }

    private static Vol Wrap(DirVolume d) => new(d.Name, d.Root, d.File, SimPaths.MetaFile(d.Root, d.Name.RelativePath));

    private Vol Resolve(string volid) => Wrap(_dirs.Resolve(volid));

    private Vol ResolveExisting(string volid) => Wrap(_dirs.ResolveExisting(volid));

    public string PathOf(string volid) => Resolve(volid).Path;

    /// <summary>The simulator's figures: <see cref="SimulationOptions.StorageTotalBytes"/>, used by the volumes' allocated bytes.</summary>
    public async Task<Domain.Cluster.StorageSpace> SpaceAsync(string storage, CancellationToken ct = default)
    {
        var used = (await ListAsync(storage, null, ct)).Sum(v => v.ActualSize);
        var total = Math.Max(_options.StorageTotalBytes, used);
        return new Domain.Cluster.StorageSpace(storage, true, total, used, total - used);
    }

    /// <summary>Sidecar, or what the file itself tells (images placed by hand, imports) in the name's format, opened safely.</summary>
    private static VolumeMeta ReadMeta(Vol v) =>
        SimFiles.ReadJson<VolumeMeta>(v.MetaPath) ?? Probe(StorageFiles.OpenRead(v.File), UntrustedImage.FormatOf(v.Name) ?? v.Name.Format);

    /// <summary>A volume the driver itself wrote (an export's target): its sidecar, else its header.</summary>
    private static VolumeMeta ReadMeta(string path, string metaPath, string format) =>
        SimFiles.ReadJson<VolumeMeta>(metaPath) ?? Probe(File.OpenRead(path), format);

    private static VolumeMeta Probe(FileStream file, string format)
    {
        using var fs = file;
        var size = DiskImageProbe.Probe(fs, format);
        return new VolumeMeta { Format = format, VirtualSize = size, Allocated = fs.Length };
    }

    public async Task<VolumeInfo?> InfoAsync(string volid, CancellationToken ct = default)
    {
        var v = Resolve(volid);
        if (_dirs.OvaMember(v.Name) is { } member)
            return await OvaDiskMetaAsync(volid, member.Ova, member.Member, ct) is { } m
                ? new VolumeInfo(volid, member.Ova.Path, m.Format, m.VirtualSize, m.Allocated, null, ReadOnly: true)
                : null;
        if (!v.Exists) return null;
        v.File.RequireFile();
        return ToInfo(volid, v, await InspectedMetaAsync(volid, ct));
    }

    /// <summary>An existing volume's meta; an import file is inspected by its header first, as the QEMU driver does.</summary>
    private async Task<VolumeMeta> InspectedMetaAsync(string volid, CancellationToken ct)
    {
        var d = _dirs.ResolveExisting(volid);
        if (UntrustedImage.IsUntrusted(d.Name) && UntrustedImage.FormatOf(d.Name) is { } format)
            await UntrustedFiles.InspectAsync(_dirs, d, format, ct);
        return ReadMeta(Wrap(d));
    }

    /// <summary>A disk inside an OVA: inspected, then its header read in place, as qemu-img reads it in the QEMU driver.</summary>
    private static async Task<VolumeMeta?> OvaDiskMetaAsync(string volid, StoragePath ova, string member, CancellationToken ct)
    {
        if (await OvaDisks.FindAsync(ova, member, ct) is not { } m) return null;
        var format = OvaDisks.FormatOf(member)!;
        await UntrustedFiles.InspectMemberAsync(ova, m, volid, format, ct);
        var head = await OvaDisks.HeadAsync(ova, m, DiskImageProbe.HeaderBytes, ct);
        return new VolumeMeta { Format = format, VirtualSize = DiskImageProbe.FromHeader(head, m.Length, format), Allocated = m.Length, ReadOnly = true };
    }

    /// <summary>What a copy reads: a volume's sidecar (or header), or a disk inside an OVA.</summary>
    private async Task<VolumeMeta> SourceMetaAsync(string volid, CancellationToken ct)
    {
        var v = Resolve(volid);
        if (_dirs.OvaMember(v.Name) is { } member)
            return await OvaDiskMetaAsync(volid, member.Ova, member.Member, ct) ?? throw StorageErrors.Missing(volid);
        return await InspectedMetaAsync(volid, ct);
    }

    private static Task<string?> BackingOfAsync(DirVolume image, CancellationToken ct) =>
        Task.FromResult(SimFiles.ReadJson<VolumeMeta>(Wrap(image).MetaPath)?.BackingVolId);

    private static VolumeInfo ToInfo(string volid, Vol v, VolumeMeta m)
    {
        // qemu-img shows the backing file as Proxmox creates it: relative, ../<basevmid>/<basename>
        string? backing = null;
        if (m.BackingVolId is not null && VolumeName.TryParse(m.BackingVolId, out var b, out _))
            backing = $"../{b!.VmId}/{b.Name}";
        return new VolumeInfo(volid, v.Path, m.Format, m.VirtualSize, m.Allocated, backing, m.ReadOnly,
            m.Snapshots.Select(s => s.Name).ToList(), File.Exists(v.Path) ? new FileInfo(v.Path).Length : null);
    }

    public Task<IReadOnlyList<VolumeInfo>> ListAsync(string storage, int? vmid = null, CancellationToken ct = default) =>
        _dirs.ListAsync(storage, vmid, BackingOfAsync, InfoAsync, ct);

    public Task<VolumeInfo> CreateAsync(string volid, string format, long sizeBytes, string? backingVolid = null,
        CancellationToken ct = default)
    {
        var v = Resolve(volid);
        backingVolid = DirStorage.CheckCreate(_dirs.Resolve(volid), format, sizeBytes, backingVolid);
        var meta = new VolumeMeta { Format = v.Name.Format, VirtualSize = sizeBytes };
        var length = sizeBytes;
        if (backingVolid is not null)
        {
            var b = ResolveExisting(backingVolid);
            var bm = ReadMeta(b);
            meta.BackingVolId = b.Name.VolId;
            if (meta.VirtualSize <= 0) meta.VirtualSize = bm.VirtualSize;
            length = Qcow2OverlayBytes;
        }
        if (meta.Format == "qcow2") meta.Allocated = Qcow2OverlayBytes;
        if (v.Exists)
        {
            // The same request again (a retry) gives the existing volume, as qemu-img info tells it.
            v.File.RequireFile();
            var existing = ReadMeta(v);
            if (existing.Format == meta.Format && existing.BackingVolId == meta.BackingVolId
                && (meta.BackingVolId is not null || existing.VirtualSize >= sizeBytes))
                return Task.FromResult(ToInfo(volid, v, existing));
            throw StorageErrors.Exists(volid);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(v.Path)!);
        try
        {
            using var fs = new FileStream(v.Path, FileMode.CreateNew, FileAccess.Write);
            fs.SetLength(length);
        }
        catch (IOException) when (File.Exists(v.Path))
        {
            throw StorageErrors.Exists(volid);
        }
        SimFiles.WriteJson(v.MetaPath, meta);
        _log.LogDebug("Node {Node}: created volume {VolId} ({Size} bytes, backing {Backing})", Node, volid, meta.VirtualSize, backingVolid);
        return Task.FromResult(ToInfo(volid, v, meta));
    }

    public async Task DeleteAsync(string volid, CancellationToken ct = default)
    {
        var v = Resolve(volid);
        if (v.Exists)
        {
            if (_faults.TryFire(FaultPhase.DeleteVolumes, Node, v.Name.VmId) is not null)
                throw new IOException($"simulated failure ({FaultPhase.DeleteVolumes}): could not remove '{volid}'");
            await _dirs.RequireNoLinkedClonesAsync(_dirs.Resolve(volid), BackingOfAsync, ct);
            SetWritable(v.Path, true);
            File.Delete(v.Path);
        }
        SimFiles.DeleteIfExists(v.MetaPath);
    }

    public Task RenameAsync(string fromVolid, string toVolid, CancellationToken ct = default)
    {
        if (_dirs.PlanRename(fromVolid, toVolid) is not var (f, t)) return Task.CompletedTask;
        var (from, to) = (Wrap(f), Wrap(t));
        var meta = ReadMeta(from);
        SimFiles.WriteJson(to.MetaPath, meta);
        File.Move(from.Path, to.Path);
        SimFiles.DeleteIfExists(from.MetaPath);
        return Task.CompletedTask;
    }

    public Task SetReadOnlyAsync(string volid, bool readOnly, CancellationToken ct = default)
    {
        var v = ResolveExisting(volid);
        using (MetaLock(v.MetaPath))
        {
            var meta = ReadMeta(v);
            meta.ReadOnly = readOnly;
            SimFiles.WriteJson(v.MetaPath, meta);
        }
        SetWritable(v.Path, !readOnly);
        return Task.CompletedTask;
    }

    private static void SetWritable(string path, bool writable)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode w = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
        File.SetUnixFileMode(path, writable ? mode | UnixFileMode.UserWrite : mode & ~w);
    }

    public async Task CreateBackupAsync(string backupVolid, string configText, IReadOnlyList<(string Drive, string Volid)> disks,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var target = Resolve(backupVolid);
        if (target.Name.VType != "backup") throw StorageErrors.NotBackup(backupVolid);
        var entries = disks.Select(d =>
        {
            var v = ResolveExisting(d.Volid);
            var m = ReadMeta(v);
            return new SimBackupArchive.Disk(d.Drive, $"drive-{d.Drive}.{m.Format}", m.Format, m.VirtualSize, m.Allocated, d.Volid);
        }).ToList();
        var total = entries.Sum(e => e.SizeBytes);
        var vmid = BackupVmId.Match(target.Name.Name) is { Success: true } mm && int.TryParse(mm.Groups[1].Value, out var id) ? id : (int?)null;
        var fail = _faults.TryFire(FaultPhase.Backup, Node, vmid) is not null;
        await SimulateCopyAsync(total, _options.DiskBandwidthBytesPerSec, progress, fail ? FaultPhase.Backup : null, ct);

        Directory.CreateDirectory(Path.GetDirectoryName(target.Path)!);
        var tmp = $"{target.Path}.tmp-{Guid.NewGuid():N}";
        SimBackupArchive.Write(tmp, configText, new SimBackupArchive.Manifest(1, _clock.Now, entries));
        File.Move(tmp, target.Path, overwrite: true);
        _log.LogInformation("Node {Node}: wrote backup {VolId} with {Count} disks", Node, backupVolid, entries.Count);
    }

    public async Task<BackupManifest> ReadBackupAsync(string backupVolid, CancellationToken ct = default)
    {
        var (config, manifest) = await SimBackupArchive.ReadAsync(ResolveExisting(backupVolid).File, ct);
        return new BackupManifest(config,
            manifest.Disks.Select(d => new BackupDisk(d.Drive, d.FileName, d.Format, d.SizeBytes)).ToList());
    }

    public async Task RestoreDiskAsync(string backupVolid, string drive, string dstVolid, string dstFormat,
        IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        var (_, manifest) = await SimBackupArchive.ReadAsync(ResolveExisting(backupVolid).File, ct);
        var disk = manifest.Disks.FirstOrDefault(d => d.Drive == drive)
                   ?? throw StorageErrors.NoDrive(backupVolid, drive);
        if (UntrustedImage.RestoreRefusal(backupVolid, drive, disk.Format) is { } refused) throw new InvalidDataException(refused);
        var dst = Resolve(dstVolid);
        if (dst.Exists) throw StorageErrors.Exists(dstVolid);
        PrepareTarget(dst, dstFormat, disk.SizeBytes);
        var fail = _faults.TryFire(FaultPhase.CopyDisks, Node, dst.Name.VmId) is not null;
        await SimulateCopyAsync(disk.SizeBytes, _options.DiskBandwidthBytesPerSec, progress, fail ? FaultPhase.CopyDisks : null, ct);
        FinishTarget(dst.Path, dst.MetaPath, disk.Allocated);
    }

    /// <summary>The sim writes what the ISO would hold, as JSON (label and files), so tests can read it.</summary>
    public async Task WriteCloudInitAsync(string volid, Domain.CloudInit.NoCloudImage image, CancellationToken ct = default)
    {
        var v = Wrap(_dirs.Resolve(volid).RequireImage());
        if (!v.Exists) await CreateAsync(volid, v.Name.Format, Domain.CloudInit.CloudInitDrive.SizeBytes, ct: ct);
        await File.WriteAllTextAsync(v.Path, SimCloudInit.Serialize(image), ct);
        _log.LogInformation("Node {Node}: wrote cloud-init image {VolId}", Node, volid);
    }

    public Task<string> ReadTextAsync(string volid, CancellationToken ct = default)
    {
        return StorageFiles.ReadDescriptorAsync(_dirs.TextFile(volid), ct);
    }

    /// <summary>Serializes read-modify-write of sidecars in one directory (in this process).</summary>
    private static IDisposable MetaLock(string metaPath)
    {
        var gate = SimLocks.For(Path.GetDirectoryName(metaPath)!);
        gate.Wait();
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    private static double Limit(double bandwidth, long? bwlimitKiB) =>
        bwlimitKiB is > 0 and var kib ? Math.Min(bandwidth, kib * 1024.0) : bandwidth;

    /// <summary>Takes bytes / bandwidth of simulated time, reporting progress; a fault strikes half way.</summary>
    private async Task SimulateCopyAsync(long bytes, double bandwidth, IProgress<CopyProgress>? progress, string? faultPhase,
        CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        progress?.Report(new CopyProgress(0, bytes));
        var duration = _options.InstantCopy || bytes <= 0 ? 0 : bytes / bandwidth;
        var failAt = faultPhase is null ? double.PositiveInfinity : duration / 2;
        var step = duration / 50;
        var start = _clock.Now;
        while (true)
        {
            var t = _clock.SimSecondsSince(start);
            if (t >= failAt)
            {
                progress?.Report(new CopyProgress(bytes / 2, bytes));
                throw new SimulatedFaultException(faultPhase!, $"{faultPhase}: simulated I/O error after {bytes / 2} of {bytes} bytes (injected)");
            }
            if (t >= duration) break;
            progress?.Report(new CopyProgress((long)(bytes * (t / duration)), bytes));
            await _clock.DelaySim(Math.Min(step, Math.Min(failAt, duration) - t), ct);
        }
        progress?.Report(new CopyProgress(bytes, bytes));
    }
}

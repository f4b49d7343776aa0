using System.Text.RegularExpressions;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;
using Serilog;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Dir storages with real sparse files at the real paths (length = virtual size) plus a JSON sidecar per volume in
/// <c>&lt;storage&gt;/.sim/</c> (format, backing volid, snapshots, read-only). Copies take size / bandwidth of
/// simulated time. NBD exports are files in the run dir whose path travels in the export URI.
/// </summary>
public sealed partial class SimulatedStorageDriver : IStorageDriver
{
    private const long Qcow2OverlayBytes = 196_608;
    private static readonly ILogger Log = Serilog.Log.ForContext<SimulatedStorageDriver>();
    private static readonly Regex BackupVmId = new(@"^vzdump-(?:qemu|lxc)-(\d+)-", RegexOptions.Compiled);

    private readonly NodeSettings _settings;
    private readonly SimulationOptions _options;
    private readonly SimClock _clock;
    private readonly FaultInjector _faults;
    private readonly SimPortAllocator _ports;

    public SimulatedStorageDriver(NodeSettings settings, SimulationOptions options, TimeProvider? time = null,
        FaultInjector? faults = null)
        : this(settings, options, new SimClock(time ?? TimeProvider.System, options.SpeedFactor),
            faults ?? new FaultInjector(options.Faults, options.FaultStateFile),
            new SimPortAllocator(settings.RunDir, settings.PortRangeStart, settings.PortRangeEnd))
    {
    }

    internal SimulatedStorageDriver(NodeSettings settings, SimulationOptions options, SimClock clock,
        FaultInjector faults, SimPortAllocator ports)
    {
        options.Validate();
        _settings = settings;
        _options = options;
        _clock = clock;
        _faults = faults;
        _ports = ports;
    }

    public string Node => _settings.Node;

    /// <summary>A volume: its file resolved by <see cref="StorageFiles.Resolve"/> (no symlink out of the storage).</summary>
    private sealed record Vol(VolumeName Name, string Root, StoragePath File, string MetaPath)
    {
        public string Path => File.Path;
        public bool Exists => File.Exists;
    }

    private Vol Resolve(string volid)
    {
        var v = VolumeName.Parse(volid);
        var s = _settings.Storage.Get(v.Storage) ?? throw new ArgumentException($"storage '{v.Storage}' does not exist");
        if (!s.AvailableOn(Node)) throw new ArgumentException($"storage '{v.Storage}' is not available on node '{Node}'");
        var root = s.PathOn(Node);
        return new Vol(v, root, StorageFiles.Resolve(root, v.RelativePath, volid), SimPaths.MetaFile(root, v.RelativePath));
    }

    private Vol ResolveExisting(string volid)
    {
        var vol = Resolve(volid);
        return vol.Exists ? vol : throw new FileNotFoundException($"volume '{volid}' does not exist");
    }

    public string PathOf(string volid) => Resolve(volid).Path;

    /// <summary>Sidecar, or what the file itself tells (images placed by hand, imports), opened safely.</summary>
    private static VolumeMeta ReadMeta(Vol v) =>
        SimFiles.ReadJson<VolumeMeta>(v.MetaPath) ?? Probe(StorageFiles.OpenRead(v.File), v.Name.Format);

    /// <summary>A volume the driver itself wrote (an export's target): its sidecar, else its header.</summary>
    private static VolumeMeta ReadMeta(string path, string metaPath, string formatHint) =>
        SimFiles.ReadJson<VolumeMeta>(metaPath) ?? Probe(File.OpenRead(path), formatHint);

    private static VolumeMeta Probe(FileStream file, string formatHint)
    {
        using var fs = file;
        var (format, size) = DiskImageProbe.Probe(fs, formatHint);
        return new VolumeMeta { Format = format, VirtualSize = size, Allocated = fs.Length };
    }

    public Task<VolumeInfo?> InfoAsync(string volid, CancellationToken ct = default)
    {
        var v = Resolve(volid);
        return Task.FromResult(v.Exists ? ToInfo(volid, v, ReadMeta(v)) : null);
    }

    private static VolumeInfo ToInfo(string volid, Vol v, VolumeMeta m)
    {
        // qemu-img shows the backing file as Proxmox creates it: relative, ../<basevmid>/<basename>
        string? backing = null;
        if (m.BackingVolId is not null && VolumeName.TryParse(m.BackingVolId, out var b, out _))
            backing = $"../{b!.VmId}/{b.Name}";
        return new VolumeInfo(volid, v.Path, m.Format, m.VirtualSize, m.Allocated, backing, m.ReadOnly,
            m.Snapshots.Select(s => s.Name).ToList(), File.Exists(v.Path) ? new FileInfo(v.Path).Length : null);
    }

    public Task<IReadOnlyList<VolumeInfo>> ListAsync(string storage, int? vmid = null, CancellationToken ct = default)
    {
        var s = _settings.Storage.Get(storage) ?? throw new ArgumentException($"storage '{storage}' does not exist");
        var root = s.PathOn(Node);
        var result = new List<VolumeInfo>();

        void Add(string volid)
        {
            if (!VolumeName.TryParse(volid, out _, out _)) return;
            try
            {
                var v = Resolve(volid);
                if (v.Exists) result.Add(ToInfo(volid, v, ReadMeta(v)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.Warning("Node {Node}: not listing {VolId}: {Error}", Node, volid, e.Message);
            }
        }

        var images = Path.Combine(root, "images");
        if (Directory.Exists(images))
        {
            foreach (var dir in Directory.EnumerateDirectories(images))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var id) || (vmid is not null && id != vmid)) continue;
                foreach (var file in Directory.EnumerateFiles(dir).Where(IsVolumeFile))
                {
                    var name = Path.GetFileName(file);
                    var meta = SimFiles.ReadJson<VolumeMeta>(SimPaths.MetaFile(root, $"images/{id}/{name}"));
                    var baseVol = meta?.BackingVolId is { } bv && VolumeName.TryParse(bv, out var b, out _) ? b : null;
                    Add(baseVol is null ? $"{storage}:{id}/{name}" : $"{storage}:{baseVol.VmId}/{baseVol.Name}/{id}/{name}");
                }
            }
        }
        foreach (var file in Files(Path.Combine(root, "dump")))
        {
            var name = Path.GetFileName(file);
            var m = BackupVmId.Match(name);
            if (vmid is null || (m.Success && int.TryParse(m.Groups[1].Value, out var owner) && owner == vmid)) Add($"{storage}:backup/{name}");
        }
        if (vmid is null)
        {
            foreach (var file in Files(Path.Combine(root, "import"))) Add($"{storage}:import/{Path.GetFileName(file)}");
            foreach (var file in Files(Path.Combine(root, "template", "iso"))) Add($"{storage}:iso/{Path.GetFileName(file)}");
        }
        return Task.FromResult<IReadOnlyList<VolumeInfo>>(result.OrderBy(v => v.VolId, StringComparer.Ordinal).ToList());
    }

    private static IEnumerable<string> Files(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir).Where(IsVolumeFile) : [];

    private static bool IsVolumeFile(string path) => !Path.GetFileName(path).Contains(".tmp-");

    public Task<VolumeInfo> CreateAsync(string volid, string format, long sizeBytes, string? backingVolid = null,
        CancellationToken ct = default)
    {
        var v = Resolve(volid);
        if (v.Name.VType != "images") throw new ArgumentException($"'{volid}' is not an image volume");
        if (!string.Equals(format, v.Name.Format, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"format '{format}' does not match volume name '{volid}'");
        backingVolid ??= v.Name.BaseVolId;
        var meta = new VolumeMeta { Format = v.Name.Format, VirtualSize = sizeBytes };
        var length = sizeBytes;
        if (backingVolid is not null)
        {
            if (meta.Format != "qcow2") throw new ArgumentException("linked clones need format qcow2");
            var b = ResolveExisting(backingVolid);
            var bm = ReadMeta(b);
            meta.BackingVolId = b.Name.VolId;
            if (meta.VirtualSize <= 0) meta.VirtualSize = bm.VirtualSize;
            length = Qcow2OverlayBytes;
        }
        else if (sizeBytes <= 0)
        {
            throw new ArgumentException("size must be > 0");
        }
        if (meta.Format == "qcow2") meta.Allocated = Qcow2OverlayBytes;
        Directory.CreateDirectory(Path.GetDirectoryName(v.Path)!);
        try
        {
            using var fs = new FileStream(v.Path, FileMode.CreateNew, FileAccess.Write);
            fs.SetLength(length);
        }
        catch (IOException) when (File.Exists(v.Path))
        {
            throw new IOException($"volume '{volid}' already exists");
        }
        SimFiles.WriteJson(v.MetaPath, meta);
        Log.Debug("Node {Node}: created volume {VolId} ({Size} bytes, backing {Backing})", Node, volid, meta.VirtualSize, backingVolid);
        return Task.FromResult(ToInfo(volid, v, meta));
    }

    public Task DeleteAsync(string volid, CancellationToken ct = default)
    {
        var v = Resolve(volid);
        if (v.Exists)
        {
            if (_faults.TryFire(FaultPhase.DeleteVolumes, Node, v.Name.VmId) is not null)
                throw new IOException($"simulated failure ({FaultPhase.DeleteVolumes}): could not remove '{volid}'");
            var clone = FindLinkedClone(v);
            if (clone is not null)
                throw new InvalidOperationException($"base volume '{v.Name.VolId}' is still in use by linked clone '{clone}'");
            SetWritable(v.Path, true);
            File.Delete(v.Path);
        }
        SimFiles.DeleteIfExists(v.MetaPath);
        return Task.CompletedTask;
    }

    /// <summary>A volume on the same storage whose backing is <paramref name="v"/>.</summary>
    private static string? FindLinkedClone(Vol v)
    {
        var metaImages = Path.Combine(SimPaths.MetaRoot(v.Root), "images");
        if (!Directory.Exists(metaImages)) return null;
        foreach (var f in Directory.EnumerateFiles(metaImages, "*.json", SearchOption.AllDirectories))
        {
            if (SimFiles.ReadJson<VolumeMeta>(f)?.BackingVolId != v.Name.VolId) continue;
            var volPath = Path.Combine(v.Root, Path.GetRelativePath(SimPaths.MetaRoot(v.Root), f)[..^".json".Length]);
            if (File.Exists(volPath)) return volPath;
        }
        return null;
    }

    public Task RenameAsync(string fromVolid, string toVolid, CancellationToken ct = default)
    {
        var from = Resolve(fromVolid);
        var to = Resolve(toVolid);
        if (from.Name.Storage != to.Name.Storage) throw new ArgumentException("rename across storages");
        if (!from.Exists)
        {
            if (to.Exists) return Task.CompletedTask; // done before a crash
            throw new FileNotFoundException($"volume '{fromVolid}' does not exist");
        }
        if (to.Exists) throw new IOException($"volume '{toVolid}' already exists");
        var meta = ReadMeta(from);
        Directory.CreateDirectory(Path.GetDirectoryName(to.Path)!);
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
        if (target.Name.VType != "backup") throw new ArgumentException($"'{backupVolid}' is not a backup volume");
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
        Log.Information("Node {Node}: wrote backup {VolId} with {Count} disks", Node, backupVolid, entries.Count);
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
                   ?? throw new ArgumentException($"backup '{backupVolid}' has no drive '{drive}'");
        var dst = Resolve(dstVolid);
        if (dst.Exists) throw new IOException($"volume '{dstVolid}' already exists");
        PrepareTarget(dst, dstFormat, disk.SizeBytes);
        var fail = _faults.TryFire(FaultPhase.CopyDisks, Node, dst.Name.VmId) is not null;
        await SimulateCopyAsync(disk.SizeBytes, _options.DiskBandwidthBytesPerSec, progress, fail ? FaultPhase.CopyDisks : null, ct);
        FinishTarget(dst.Path, dst.MetaPath, disk.Allocated);
    }

    /// <summary>The sim writes what the ISO would hold, as JSON (label and files), so tests can read it.</summary>
    public async Task WriteCloudInitAsync(string volid, Domain.CloudInit.NoCloudImage image, CancellationToken ct = default)
    {
        var v = Resolve(volid);
        if (!v.Exists) await CreateAsync(volid, v.Name.Format, Domain.CloudInit.CloudInitDrive.SizeBytes, ct: ct);
        await File.WriteAllTextAsync(v.Path, SimCloudInit.Serialize(image), ct);
        Log.Information("Node {Node}: wrote cloud-init image {VolId}", Node, volid);
    }

    public Task<string> ReadTextAsync(string volid, CancellationToken ct = default)
    {
        var v = ResolveExisting(volid);
        if (v.Name.VType is not ("import" or "backup" or "snippets"))
            throw new ArgumentException($"'{volid}' is not on an import or backup content path");
        return StorageFiles.ReadDescriptorAsync(v.File.RequireFile(), ct);
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

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
public sealed partial class QemuStorageDriver : IStorageDriver
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

using System.Text.RegularExpressions;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Storage;

/// <summary>The base volume id a qcow2 image is backed by (<c>local:9000/base-9000-disk-0.qcow2</c>), or null.</summary>
public delegate Task<string?> BackingOf(DirVolume image, CancellationToken ct);

/// <summary>
/// The rules of a directory storage that both storage drivers share: volid → path (symlinks checked at every hop by
/// <see cref="StorageFiles.Resolve"/>), listing, create checks, rename after a crash, base protection and text files.
/// The drivers keep only what differs: how a file's format, size and backing are read and how data is copied.
/// </summary>
public sealed class DirStorage(NodeSettings settings, ILogger log)
{
    // As Proxmox's list_images.
    private static readonly Regex ImageFile = new(@"^(base|vm)-(\d+)-(\S+)\.(raw|qcow2|vmdk)\z", RegexOptions.Compiled);

    public string Node => settings.Node;

    /// <summary>The storage's directory on this node.</summary>
    public string RootOf(string storage)
    {
        var s = settings.Storage.Get(storage) ?? throw StorageErrors.NoStorage(storage);
        if (!s.AvailableOn(Node)) throw StorageErrors.NotOnNode(storage, Node);
        return Path.GetFullPath(s.PathOn(Node));
    }

    /// <summary>A volume's file; it need not exist. <see cref="UnauthorizedAccessException"/> when it leads outside the storage.</summary>
    public DirVolume Resolve(string volid)
    {
        var v = VolumeName.Parse(volid);
        var root = RootOf(v.Storage);
        return new DirVolume(v, root, StorageFiles.Resolve(root, v.RelativePath, volid));
    }

    /// <summary>A volume whose file exists and is a regular file.</summary>
    public DirVolume ResolveExisting(string volid) => Resolve(volid).RequireFile();

    /// <summary>The target of a copy: an existing one must be a regular file; a missing one gets its directory.</summary>
    public DirVolume ResolveTarget(string volid)
    {
        var v = Resolve(volid);
        if (v.Exists) v.RequireFile();
        else Directory.CreateDirectory(v.Directory);
        return v;
    }

    /// <summary>Checks a create request; returns the backing volid (given, or the base named by a linked clone's volid).</summary>
    public static string? CheckCreate(DirVolume v, string format, long sizeBytes, string? backingVolid)
    {
        v.RequireImage();
        if (!string.Equals(format, v.Name.Format, StringComparison.Ordinal)) throw StorageErrors.WrongExtension(v.Name.Name, format);
        backingVolid ??= v.Name.BaseVolId;
        if (backingVolid is not null && format != "qcow2") throw StorageErrors.LinkedCloneNeedsQcow2();
        if (backingVolid is null && sizeBytes <= 0) throw StorageErrors.SizeNotPositive();
        return backingVolid;
    }

    /// <summary>
    /// Rename rules: within one storage, the target must not exist; a source that is gone while the target exists was
    /// renamed before a crash (null: nothing to do). Else the two volumes, the target's directory created.
    /// </summary>
    public (DirVolume From, DirVolume To)? PlanRename(string fromVolid, string toVolid)
    {
        var from = Resolve(fromVolid);
        var to = Resolve(toVolid);
        if (from.Name.Storage != to.Name.Storage) throw StorageErrors.RenameAcrossStorages();
        if (!from.Exists) return to.Exists ? null : throw StorageErrors.Missing(fromVolid);
        if (to.Exists) throw StorageErrors.Exists(toVolid);
        from.RequireFile();
        Directory.CreateDirectory(to.Directory);
        return (from, to);
    }

    /// <summary>A base volume is not deleted while a linked clone on its storage is backed by it (as Proxmox's vdisk_free).</summary>
    public async Task RequireNoLinkedClonesAsync(DirVolume v, BackingOf backingOf, CancellationToken ct)
    {
        if (v.Name.VType != "images" || !v.Name.IsBase) return;
        var plain = VolumeName.ImageVolId(v.Name.Storage, v.Name.VmId!.Value, v.Name.Name);
        foreach (var (owner, image) in Images(v.Name.Storage, v.Root, null))
        {
            // Only regular files are asked (no FIFO for qemu-img to hang on, nothing through a symlink).
            if (!image.File.IsFile || image.Path == v.Path || await backingOf(image, ct) != plain) continue;
            throw StorageErrors.BaseInUse(v.VolId, $"{plain}/{owner}/{image.Name.Name}");
        }
    }

    /// <summary>
    /// The volumes of a storage (of one VM: its images and backups), ordered by volid. <paramref name="info"/> reads
    /// each; one that cannot be read (a FIFO, a symlink out, a broken image) is left out with a warning.
    /// </summary>
    public async Task<IReadOnlyList<VolumeInfo>> ListAsync(string storage, int? vmid, BackingOf backingOf,
        Func<string, CancellationToken, Task<VolumeInfo?>> info, CancellationToken ct)
    {
        var root = RootOf(storage);
        var volids = new List<string>();
        foreach (var (owner, image) in Images(storage, root, vmid))
            volids.Add(await ListedVolIdAsync(image, owner, backingOf, ct));
        AddFiles("dump", f => $"{storage}:backup/{f}");
        if (vmid is null)
        {
            AddFiles("import", f => $"{storage}:import/{f}");
            AddFiles(Path.Combine("template", "iso"), f => $"{storage}:iso/{f}");
        }
        var result = new List<VolumeInfo>();
        foreach (var volid in volids.Order(StringComparer.Ordinal))
        {
            if (!VolumeName.TryParse(volid, out var name, out _) || (vmid is not null && name!.VmId != vmid)) continue;
            try
            {
                if (await info(volid, ct) is { } i) result.Add(i);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException)
            {
                log.LogWarning("Not listing {VolId} on {Node}: {Error}", volid, Node, e.Message);
            }
        }
        return result;

        void AddFiles(string dir, Func<string, string> volidOf)
        {
            var full = Path.Combine(root, dir);
            if (!Directory.Exists(full)) return;
            foreach (var f in Directory.EnumerateFiles(full).Select(Path.GetFileName))
                if (f is not null && IsVolumeFile(f)) volids.Add(volidOf(f));
        }
    }

    /// <summary>A linked clone is listed under its base: local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2.</summary>
    private async Task<string> ListedVolIdAsync(DirVolume image, int owner, BackingOf backingOf, CancellationToken ct)
    {
        var volid = image.VolId;
        if (image.Name.Format != "qcow2" || !image.File.IsFile) return volid;
        try
        {
            if (await backingOf(image, ct) is { } b && VolumeName.TryParse(b, out var bv, out _) && bv!.IsBase && bv.Storage == image.Name.Storage)
                return $"{b}/{owner}/{image.Name.Name}";
        }
        catch (Exception e) when (e is InvalidOperationException or UnauthorizedAccessException or IOException or InvalidDataException)
        {
            log.LogWarning("Cannot read {VolId} on {Node}: {Error}", volid, Node, e.Message);
        }
        return volid;
    }

    /// <summary>Work files (a backup being written, a restore being extracted) are no volumes.</summary>
    private static bool IsVolumeFile(string name) => !name.StartsWith('.') && !name.Contains(".tmp-", StringComparison.Ordinal);

    /// <summary>Image files under images/&lt;vmid&gt;/ with a Proxmox image name, resolved; unreadable ones resolved as they are.</summary>
    private IEnumerable<(int Owner, DirVolume Image)> Images(string storage, string root, int? vmid)
    {
        var images = Path.Combine(root, "images");
        if (!Directory.Exists(images)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(images).Order(StringComparer.Ordinal))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var owner) || (vmid is not null && owner != vmid)) continue;
            foreach (var name in Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                if (name is null || !ImageFile.IsMatch(name)) continue;
                var volid = VolumeName.ImageVolId(storage, owner, name);
                if (TryResolve(volid) is { } image) yield return (owner, image);
            }
        }
    }

    /// <summary>
    /// The volume when it is a regular file reached under its own name; a symlink (in or out of the storage), a FIFO
    /// or a device gives a volume without file, so nobody opens it.
    /// </summary>
    private DirVolume? TryResolve(string volid)
    {
        var name = VolumeName.Parse(volid);
        var root = RootOf(name.Storage);
        var plainPath = Path.Combine(root, name.RelativePath);
        try
        {
            var v = Resolve(volid);
            return v.File.IsFile && v.Path == plainPath ? v : v with { File = v.File with { Stat = FileStat.Missing } };
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return new DirVolume(name, root, new StoragePath(volid, plainPath, FileStat.Missing));
        }
    }

    /// <summary>
    /// An extent file a VMDK descriptor names (a plain file name): a regular file in the descriptor's own directory.
    /// A symlink may point beside it, not elsewhere (<see cref="UnauthorizedAccessException"/> out of the storage).
    /// </summary>
    public StoragePath RequireExtent(DirVolume descriptor, string file)
    {
        var dir = Path.GetRelativePath(descriptor.Root, descriptor.Directory);
        var extent = StorageFiles.Resolve(descriptor.Root, $"{dir}/{file}", $"{descriptor.Name.Storage}:{dir}/{file}");
        if (Path.GetDirectoryName(extent.Path) != descriptor.Directory)
            throw new InvalidDataException($"{descriptor.VolId}: extent '{file}' is not allowed - it leads out of the descriptor's directory");
        return extent.RequireFile();
    }

    /// <summary>A text file on an import, backup or snippets path (OVF, VMX, a backup's config).</summary>
    public StoragePath TextFile(string volid)
    {
        var name = VolumeName.Parse(volid);
        if (name.VType is not ("import" or "backup" or "snippets")) throw StorageErrors.NotTextContent(volid);
        return Resolve(volid).File.RequireFile();
    }

    /// <summary><c>storage:import/x.ova/disk.vmdk</c>: a disk inside an OVA archive (the .ova must be a regular file).</summary>
    public (StoragePath Ova, string Member)? OvaMember(VolumeName v)
    {
        var slash = v.Name.LastIndexOf('/');
        if (v.VType != "import" || slash < 0 || !v.Name[..slash].EndsWith(".ova", StringComparison.OrdinalIgnoreCase)) return null;
        var ova = StorageFiles.Resolve(RootOf(v.Storage), $"import/{v.Name[..slash]}", $"{v.Storage}:import/{v.Name[..slash]}");
        return ova.IsFile ? (ova, v.Name[(slash + 1)..]) : null;
    }
}

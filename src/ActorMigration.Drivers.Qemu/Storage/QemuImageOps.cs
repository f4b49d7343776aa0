using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Import;
using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Storage;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>Volumes through qemu-img: info, create, convert, copies into NBD exports, qcow2 snapshots.</summary>
internal sealed class QemuImageOps(DirStorage dirs, QemuImg img, QemuOvaDisks ova, QemuTls? tls, ILogger log)
{
    private static readonly Regex RelativeBacking = new(@"^\.\./(\d+)/([^/]+)\z", RegexOptions.Compiled);

    private string Node => dirs.Node;

    /// <summary>
    /// qemu-img info is the truth about sizes, backing files and snapshots; the format is the name's. An import file
    /// is inspected first by its header, then by qemu-img info (<see cref="UntrustedImage"/>).
    /// </summary>
    public async Task<VolumeInfo?> InfoAsync(string volid, CancellationToken ct)
    {
        var v = dirs.Resolve(volid);
        if (dirs.OvaMember(v.Name) is { } member) return await ova.InfoAsync(volid, member.Ova, member.Member, ct);
        if (!v.Exists) return null;
        v.RequireFile();
        var readOnly = (File.GetUnixFileMode(v.Path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0;
        if (UntrustedImage.FormatOf(v.Name) is not { } format)
        {
            var len = new FileInfo(v.Path).Length;
            return new VolumeInfo(volid, v.Path, v.Name.Format, len, len, ReadOnly: readOnly);
        }
        var untrusted = UntrustedImage.IsUntrusted(v.Name);
        if (untrusted) await UntrustedFiles.InspectAsync(dirs, v, format, ct);
        var j = await img.InfoAsync(v.Path, format, ct);
        if (untrusted) UntrustedFiles.Refuse(volid, QemuImageFacts.From(j, format, volid, v.Path));
        var snapshots = (j["snapshots"] as JsonArray)?.Select(s => s?["name"]?.ToString() ?? "").Where(s => s.Length > 0).ToList();
        return new VolumeInfo(volid, v.Path,
            format,
            j["virtual-size"]?.GetValue<long>() ?? 0,
            j["actual-size"]?.GetValue<long>() ?? 0,
            j["backing-filename"]?.ToString(),
            readOnly,
            snapshots ?? [],
            new FileInfo(v.Path).Length);
    }

    public async Task<VolumeInfo> ExistingAsync(string volid, CancellationToken ct) =>
        await InfoAsync(volid, ct) ?? throw StorageErrors.Missing(volid);

    /// <summary>The base an image's relative backing file (<c>../9000/base-9000-disk-0.qcow2</c>) names.</summary>
    public async Task<string?> BackingOfAsync(DirVolume image, CancellationToken ct)
    {
        var j = await img.InfoAsync(image.Path, image.Name.Format, ct);
        return j["backing-filename"]?.ToString() is { } b && RelativeBacking.Match(b) is { Success: true } m
            ? VolumeName.ImageVolId(image.Name.Storage, int.Parse(m.Groups[1].Value), m.Groups[2].Value)
            : null;
    }

    /// <summary>Creates a volume; the same request again gives the existing volume.</summary>
    public async Task<VolumeInfo> CreateAsync(string volid, string format, long sizeBytes, string? backingVolid, CancellationToken ct)
    {
        var v = dirs.Resolve(volid);
        backingVolid = DirStorage.CheckCreate(v, format, sizeBytes, backingVolid);
        string? backingRel = null, backingFormat = null;
        long backingSize = 0;
        if (backingVolid is not null)
        {
            var b = await ExistingAsync(backingVolid, ct);
            (backingFormat, backingSize) = (b.Format, b.VirtualSize);
            backingRel = Path.GetRelativePath(v.Directory, b.Path);
        }
        if (v.Exists)
        {
            var existing = await ExistingAsync(volid, ct);
            var sameBacking = existing.BackingFile == backingRel;
            if (existing.Format == format && sameBacking && (backingRel is not null || existing.VirtualSize >= sizeBytes))
            {
                log.LogInformation("Volume {VolId} on {Node} already exists", volid, Node);
                return existing;
            }
            throw StorageErrors.Exists(volid);
        }
        Directory.CreateDirectory(v.Directory);
        var args = new List<string> { "create", "-q", "-f", format };
        if (backingRel is not null)
        {
            args.AddRange(["-F", backingFormat!, "-b", backingRel, v.Path]);
            // An overlay takes its size from the base; only a larger size is passed.
            if (sizeBytes > backingSize) args.Add(sizeBytes.ToString());
        }
        else
        {
            args.AddRange([v.Path, sizeBytes.ToString()]);
        }
        await img.RunAsync(args, ct);
        log.LogInformation("Created {VolId} on {Node} ({Format}, {Size} bytes, backing {Backing})", volid, Node, format, sizeBytes, backingRel);
        return await ExistingAsync(volid, ct);
    }

    public async Task ConvertAsync(string srcVolid, string dstVolid, string dstFormat, string? snapshot, long? bwlimitKiB,
        IProgress<CopyProgress>? progress, CancellationToken ct)
    {
        var src = await ExistingAsync(srcVolid, ct);
        var args = new List<string> { "convert", "-p", "-f", src.Format, "-O", dstFormat };
        if (snapshot is not null)
        {
            if (src.Format != "qcow2") throw StorageErrors.SnapshotsNeedQcow2(srcVolid, src.Format);
            if (src.Snapshots?.Contains(snapshot) != true) throw StorageErrors.NoSnapshot(srcVolid, snapshot);
            args.AddRange(["-U", "-l", $"snapshot.name={snapshot}"]);
        }
        args.AddRange(QemuImg.RateLimit(bwlimitKiB));
        var dst = dirs.ResolveTarget(dstVolid);
        if (dst.Exists)
        {
            var d = await ExistingAsync(dstVolid, ct);
            if (d.VirtualSize < src.VirtualSize) throw StorageErrors.TargetTooSmall(dstVolid, d.VirtualSize, src.VirtualSize);
            args.Add("-n");
        }
        args.AddRange([src.Path, dst.Path]);
        log.LogInformation("Converting {Src} to {Dst} ({Format}) on {Node}, snapshot {Snapshot}, bwlimit {BwLimitKiB} KiB/s",
            srcVolid, dstVolid, dstFormat, Node, snapshot, bwlimitKiB);
        await img.RunWithProgressAsync(args, src.VirtualSize, progress, ct);
        progress?.Report(new CopyProgress(src.VirtualSize, src.VirtualSize));
    }

    public async Task CopyToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB, IProgress<CopyProgress>? progress, CancellationToken ct)
    {
        var src = await ExistingAsync(srcVolid, ct);
        var (output, target) = QemuTls.ConvertToNbd(tls, nbdUri);
        var args = new List<string> { "convert", "-p", "-n", "-f", src.Format };
        args.AddRange(output);
        args.AddRange(QemuImg.RateLimit(bwlimitKiB));
        args.AddRange([src.Path, target]);
        log.LogInformation("Copying {Src} on {Node} to {Target}, bwlimit {BwLimitKiB} KiB/s", srcVolid, Node, nbdUri, bwlimitKiB);
        await img.RunWithProgressAsync(args, src.VirtualSize, progress, ct);
        progress?.Report(new CopyProgress(src.VirtualSize, src.VirtualSize));
    }

    public async Task CopyFileToNbdAsync(string srcVolid, string nbdUri, long? bwlimitKiB, IProgress<CopyProgress>? progress, CancellationToken ct)
    {
        var src = await ExistingAsync(srcVolid, ct);
        var length = new FileInfo(src.Path).Length;
        // The file's bytes as they are (-f raw): qcow2 internal snapshots travel with it; zero areas stay holes.
        var (output, target) = QemuTls.ConvertToNbd(tls, nbdUri);
        var args = new List<string> { "convert", "-p", "-n", "--target-is-zero", "-f", "raw" };
        args.AddRange(output);
        args.AddRange(QemuImg.RateLimit(bwlimitKiB));
        args.AddRange([src.Path, target]);
        log.LogInformation("Copying the file of {Src} on {Node} to {Target}, bwlimit {BwLimitKiB} KiB/s", srcVolid, Node, nbdUri, bwlimitKiB);
        await img.RunWithProgressAsync(args, length, progress, ct);
        progress?.Report(new CopyProgress(length, length));
    }

    /// <summary>qemu-img resize of a volume no VM holds open (qemu-server's volume_resize on a dir storage).</summary>
    public async Task ResizeAsync(string volid, long sizeBytes, CancellationToken ct)
    {
        var info = await ExistingAsync(volid, ct);
        await img.RunAsync(["resize", "-f", info.Format, info.Path, sizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);
        log.LogInformation("Resized {VolId} on {Node} to {SizeBytes} bytes", volid, Node, sizeBytes);
    }

    /// <summary>Creating an existing snapshot does nothing.</summary>
    public async Task SnapshotCreateAsync(string volid, string name, CancellationToken ct)
    {
        var info = await QcowAsync(volid, ct);
        if (info.Snapshots?.Contains(name) == true) return;
        await img.RunAsync(["snapshot", "-c", name, info.Path], ct);
        log.LogInformation("Snapshot {Snapshot} of {VolId} created on {Node}", name, volid, Node);
    }

    public async Task SnapshotRollbackAsync(string volid, string name, CancellationToken ct)
    {
        var info = await QcowAsync(volid, ct);
        if (info.Snapshots?.Contains(name) != true) throw StorageErrors.NoSnapshot(volid, name);
        await img.RunAsync(["snapshot", "-a", name, info.Path], ct);
        log.LogInformation("Rolled {VolId} back to {Snapshot} on {Node}", volid, name, Node);
    }

    /// <summary>Deleting a missing snapshot does nothing.</summary>
    public async Task SnapshotDeleteAsync(string volid, string name, CancellationToken ct)
    {
        var info = await QcowAsync(volid, ct);
        if (info.Snapshots?.Contains(name) != true) return;
        await img.RunAsync(["snapshot", "-d", name, info.Path], ct);
        log.LogInformation("Snapshot {Snapshot} of {VolId} deleted on {Node}", name, volid, Node);
    }

    private async Task<VolumeInfo> QcowAsync(string volid, CancellationToken ct)
    {
        var info = await ExistingAsync(volid, ct);
        return info.Format == "qcow2" ? info : throw StorageErrors.SnapshotsNeedQcow2(volid, info.Format);
    }
}

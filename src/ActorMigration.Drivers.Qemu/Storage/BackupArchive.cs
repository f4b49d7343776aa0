using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>
/// Layout of a backup archive (.tar, or .tar.zst / .tar.gz compressed as a whole): <c>manifest.json</c>, <c>qemu-server.conf</c>, then one
/// <c>disk-&lt;drive&gt;.qcow2</c> per drive. Manifest and config come first so reading them is cheap.
/// </summary>
internal static class BackupArchive
{
    public const string ManifestEntry = "manifest.json";
    public const string ConfigEntry = "qemu-server.conf";
    public const string FormatTag = "actormigration-backup-1";

    public sealed record Manifest(string Format, DateTimeOffset CreatedAt, IReadOnlyList<BackupDisk> Disks);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string DiskEntry(string drive, string format = "qcow2") => $"disk-{drive}.{format}";

    /// <summary>Writes the archive from already converted disk files (entry name → file).</summary>
    public static async Task WriteAsync(string tarPath, string configText, Manifest manifest,
        IReadOnlyList<(string Entry, string File)> files, CancellationToken ct)
    {
        await using var fs = new FileStream(tarPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
        await using (var w = new TarWriter(fs, TarEntryFormat.Pax, leaveOpen: true))
        {
            await WriteText(w, ManifestEntry, JsonSerializer.Serialize(manifest, Json), ct);
            await WriteText(w, ConfigEntry, configText, ct);
            foreach (var (entry, file) in files)
                await w.WriteEntryAsync(file, entry, ct);
        }
        await fs.FlushAsync(ct);
        fs.Flush(flushToDisk: true);
    }

    private static async Task WriteText(TarWriter w, string name, string text, CancellationToken ct)
    {
        var e = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
        };
        await w.WriteEntryAsync(e, ct);
    }

    /// <summary>
    /// Config and disks; a tar without manifest is described from its disk-*.* entries. Only the config and
    /// manifest entries are read (each at most <see cref="StorageFiles.MaxConfigEntryBytes"/>); <paramref name="what"/>
    /// names the archive in errors.
    /// </summary>
    public static BackupManifest Read(Stream tar, string what)
    {
        var c = new Collector(what);
        foreach (var e in TarIndex.Entries(tar, what))
            if (e.IsFile && c.Take(e.Name, e.Length,
                    () => StorageFiles.ReadText(tar, e.DataOffset, e.Length, $"{what}/{e.Name}", StorageFiles.MaxConfigEntryBytes)))
                break;
        return c.Result();
    }

    /// <summary>As <see cref="Read(Stream, string)"/> on a stream read front to back (a decompressed archive).</summary>
    public static BackupManifest ReadSequential(Stream tar, string what)
    {
        var c = new Collector(what);
        using var reader = new TarReader(tar, leaveOpen: true);
        while (reader.GetNextEntry() is { } e)
            if (IsFile(e) && c.Take(e.Name, e.Length, () => ReadText(e.DataStream, e.Length, $"{what}/{e.Name}")))
                break;
        return c.Result();
    }

    private static bool IsFile(TarEntry e) => e.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile;

    private static string ReadText(Stream? data, long length, string what)
    {
        if (length > StorageFiles.MaxConfigEntryBytes)
            throw new InvalidDataException($"'{what}' is too large ({length} bytes, at most {StorageFiles.MaxConfigEntryBytes} are read)");
        var buf = new byte[length];
        data?.ReadExactly(buf);
        return Encoding.UTF8.GetString(buf);
    }

    /// <summary>What the reads gather: config, manifest and the disk entries seen.</summary>
    private sealed class Collector(string what)
    {
        private string? _config;
        private Manifest? _manifest;
        private readonly List<BackupDisk> _found = [];

        /// <summary>Takes one file entry; true once config and manifest are both known.</summary>
        public bool Take(string name, long length, Func<string> text)
        {
            if (name is ManifestEntry or ConfigEntry)
            {
                if (name == ConfigEntry) _config = text();
                else _manifest = ParseManifest(text(), what);
            }
            else if (name.StartsWith("disk-", StringComparison.Ordinal))
            {
                var dot = name.LastIndexOf('.');
                if (dot > 5) _found.Add(new BackupDisk(name[5..dot], name, name[(dot + 1)..], length));
            }
            return _manifest is not null && _config is not null;
        }

        public BackupManifest Result() =>
            _config is null
                ? throw new InvalidDataException($"'{what}': no {ConfigEntry} in backup archive")
                : new BackupManifest(_config, _manifest?.Disks ?? _found);
    }

    private static Manifest? ParseManifest(string text, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<Manifest>(text, Json);
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"'{what}': {ManifestEntry} is not valid");
        }
    }

    /// <summary>Copies one entry out of the archive, streamed.</summary>
    public static async Task ExtractAsync(StoragePath archive, string entryName, string destination, CancellationToken ct)
    {
        await using var fs = StorageFiles.OpenRead(archive);
        if (BackupCompression.Of(archive.VolId) is { } method)
        {
            await using var tar = BackupCompression.OpenDecompressed(fs, method);
            await using var reader = new TarReader(tar);
            while (await reader.GetNextEntryAsync(cancellationToken: ct) is { } e)
            {
                if (!IsFile(e) || e.Name != entryName) continue;
                await using var output = new FileStream(destination, FileMode.Create, FileAccess.Write);
                if (e.DataStream is { } data) await data.CopyToAsync(output, ct);
                return;
            }
            throw new InvalidDataException($"'{archive.VolId}': no entry {entryName}");
        }
        var entry = TarIndex.Find(fs, archive.VolId, n => n == entryName)
                    ?? throw new InvalidDataException($"'{archive.VolId}': no entry {entryName}");
        await using var dst = new FileStream(destination, FileMode.Create, FileAccess.Write);
        await TarIndex.CopyAsync(fs, entry, dst, ct);
    }
}

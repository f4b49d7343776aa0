using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Qemu.Storage;

/// <summary>
/// Layout of a backup archive (.tar): <c>manifest.json</c>, <c>qemu-server.conf</c>, then one
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
        string? config = null;
        Manifest? manifest = null;
        var found = new List<BackupDisk>();
        foreach (var e in TarIndex.Entries(tar, what))
        {
            if (!e.IsFile) continue;
            if (e.Name is ManifestEntry or ConfigEntry)
            {
                var text = StorageFiles.ReadText(tar, e.DataOffset, e.Length, $"{what}/{e.Name}", StorageFiles.MaxConfigEntryBytes);
                if (e.Name == ConfigEntry) config = text;
                else manifest = ParseManifest(text, what);
            }
            else if (e.Name.StartsWith("disk-", StringComparison.Ordinal))
            {
                var dot = e.Name.LastIndexOf('.');
                if (dot > 5) found.Add(new BackupDisk(e.Name[5..dot], e.Name, e.Name[(dot + 1)..], e.Length));
            }
            if (manifest is not null && config is not null) break;
        }
        if (config is null) throw new InvalidDataException($"'{what}': no {ConfigEntry} in backup archive");
        return new BackupManifest(config, manifest?.Disks ?? found);
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
        var entry = TarIndex.Find(fs, archive.VolId, n => n == entryName)
                    ?? throw new InvalidDataException($"'{archive.VolId}': no entry {entryName}");
        await using var dst = new FileStream(destination, FileMode.Create, FileAccess.Write);
        await TarIndex.CopyAsync(fs, entry, dst, ct);
    }
}

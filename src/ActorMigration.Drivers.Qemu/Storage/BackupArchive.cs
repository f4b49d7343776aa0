using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using ActorMigration.Drivers.Abstractions;

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

    /// <summary>Config and disks; a tar without manifest is described from its disk-*.* entries.</summary>
    public static async Task<BackupManifest> ReadAsync(string tarPath, CancellationToken ct)
    {
        await using var fs = new FileStream(tarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var r = new TarReader(fs);
        string? config = null;
        Manifest? manifest = null;
        var found = new List<BackupDisk>();
        while (await r.GetNextEntryAsync(copyData: false, ct) is { } e)
        {
            if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            if (e.Name == ManifestEntry)
                manifest = JsonSerializer.Deserialize<Manifest>(await ReadText(e, ct), Json);
            else if (e.Name == ConfigEntry)
                config = await ReadText(e, ct);
            else if (e.Name.StartsWith("disk-", StringComparison.Ordinal))
            {
                var dot = e.Name.LastIndexOf('.');
                if (dot > 5) found.Add(new BackupDisk(e.Name[5..dot], e.Name, e.Name[(dot + 1)..], e.Length));
            }
            if (manifest is not null && config is not null) break;
        }
        if (config is null) throw new InvalidDataException($"{tarPath}: no {ConfigEntry} in backup archive");
        return new BackupManifest(config, manifest?.Disks ?? found);
    }

    /// <summary>Copies one entry out of the archive.</summary>
    public static async Task ExtractAsync(string tarPath, string entryName, string destination, CancellationToken ct)
    {
        await using var fs = new FileStream(tarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var r = new TarReader(fs);
        while (await r.GetNextEntryAsync(copyData: false, ct) is { } e)
        {
            if (e.Name != entryName) continue;
            await e.ExtractToFileAsync(destination, overwrite: true, ct);
            return;
        }
        throw new InvalidDataException($"{tarPath}: no entry {entryName}");
    }

    private static async Task<string> ReadText(TarEntry e, CancellationToken ct)
    {
        if (e.DataStream is null) return "";
        using var sr = new StreamReader(e.DataStream, Encoding.UTF8, leaveOpen: true);
        return await sr.ReadToEndAsync(ct);
    }
}

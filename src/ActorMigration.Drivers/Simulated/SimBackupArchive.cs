using System.Text.Json;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// A simulated backup: a real tar with <c>qemu-server.conf</c>, <c>manifest.json</c> and one sparse entry per disk.
/// Reading takes the config and manifest entries only (each at most <see cref="StorageFiles.MaxConfigEntryBytes"/>).
/// </summary>
internal static class SimBackupArchive
{
    public const string ManifestEntry = "manifest.json";
    public const string ConfigEntry = "qemu-server.conf";

    public sealed record Manifest(int Version, DateTimeOffset Created, List<Disk> Disks);

    public sealed record Disk(string Drive, string FileName, string Format, long SizeBytes, long Allocated, string SourceVolId);

    public static void Write(string path, string configText, Manifest manifest)
    {
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite);
        using var tar = new SimTar(fs);
        tar.AddText(ConfigEntry, configText);
        tar.AddText(ManifestEntry, JsonSerializer.Serialize(manifest, SimFiles.Json));
        foreach (var d in manifest.Disks) tar.AddSparse(d.FileName, d.SizeBytes);
    }

    public static Task<(string Config, Manifest Manifest)> ReadAsync(StoragePath file, CancellationToken ct) =>
        StorageFiles.WithFileAsync(file, fs =>
        {
            string? config = null;
            Manifest? manifest = null;
            foreach (var e in TarIndex.Entries(fs, file.VolId))
            {
                if (!e.IsFile || e.Name is not (ConfigEntry or ManifestEntry)) continue;
                var text = StorageFiles.ReadText(fs, e.DataOffset, e.Length, $"{file.VolId}/{e.Name}", StorageFiles.MaxConfigEntryBytes);
                if (e.Name == ConfigEntry) config = text;
                else manifest = Parse(text, file.VolId);
                if (config is not null && manifest is not null) break;
            }
            if (config is null || manifest is null) throw new InvalidDataException($"'{file.VolId}' is not a simulated backup archive");
            return (config, manifest);
        }, ct);

    private static Manifest? Parse(string text, string volid)
    {
        try
        {
            return JsonSerializer.Deserialize<Manifest>(text, SimFiles.Json);
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"'{volid}': {ManifestEntry} is not valid");
        }
    }
}

using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>
/// QemuMigrate's volume rules that need the volumes themselves (scan_local_volumes, config_update_local_disksizes):
/// physical CD drives, snapshot references, aliases, sizes from the volume, volids renamed on the target.
/// </summary>
public static class MigrationVolumes
{
    public const string LocalCdromDrive = "can't migrate local cdrom drive";
    public const string OnlineWithSnapshot = "online storage migration not possible if non-replicated snapshot exists";
    public const string NonMigratableSnapshot = "non-migratable snapshot exists";

    /// <summary>Keys whose size Proxmox sets on its own (the OVMF vars and TPM state sizes), not from the volume.</summary>
    private static readonly HashSet<string> OwnSizeKeys = ["efidisk0", "tpmstate0"];

    /// <summary>A physical CD drive (<c>cdrom</c>) in the config or its snapshots, with Proxmox's message.</summary>
    public static string? PhysicalCdromError(QmConfig cfg)
    {
        if (Drives.All(cfg.Main).Any(d => IsPhysicalCdrom(d.Drive))) return LocalCdromDrive;
        var snaps = cfg.Snapshots.Where(s => Drives.All(s.Section).Any(d => IsPhysicalCdrom(d.Drive)))
            .Select(s => s.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
        return snaps.Count > 0 ? $"{LocalCdromDrive} (referenced in snapshot - {string.Join(", ", snaps)})" : null;
    }

    private static bool IsPhysicalCdrom(DriveSpec d) => d.IsCdrom && d.File == "cdrom";

    /// <summary>Volids referenced by snapshot sections, with the snapshots that reference them.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> SnapshotReferences(QmConfig cfg)
    {
        var refs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, section) in cfg.Snapshots)
            foreach (var (_, d) in Drives.All(section))
                if (d.Volume is not null)
                {
                    if (!refs.TryGetValue(d.File, out var l)) refs[d.File] = l = new List<string>();
                    l.Add(name);
                }
        return refs.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value);
    }

    /// <summary>The snapshot refusal for a local volume referenced by snapshots, or null (scan_local_volumes).</summary>
    public static string? SnapshotError(bool running, string format) =>
        running ? OnlineWithSnapshot
        : format != "qcow2" ? NonMigratableSnapshot
        : null;

    /// <summary>Two volids reaching one file (two storage ids on one directory).</summary>
    public static string? AliasError(IEnumerable<VolumeInfo> local)
    {
        var alias = local.GroupBy(v => v.Path.TrimEnd('/'), StringComparer.Ordinal)
            .Select(g => g.Select(v => v.VolId).Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList())
            .FirstOrDefault(g => g.Count > 1);
        return alias is null ? null
            : $"Problem found while scanning volumes - detected not supported aliased volumes: '{string.Join("', '", alias)}'";
    }

    /// <summary>
    /// Sets <c>size=</c> of the main config's local drives to the volumes' real sizes; one log line per change in
    /// Proxmox's words (the source volid, as Proxmox logs it before the copy).
    /// </summary>
    public static IReadOnlyList<string> UpdateSizes(QmConfig cfg, IReadOnlyDictionary<string, long> sizes)
    {
        var lines = new List<string>();
        foreach (var (key, d) in Drives.All(cfg.Main, includeUnused: false).ToList())
        {
            if (OwnSizeKeys.Contains(key) || !sizes.TryGetValue(d.File, out var size)) continue;
            var old = d.SizeBytes ?? 0;
            if (old == size) continue;
            d.SizeBytes = size;
            cfg.Main[key] = d.ToString();
            lines.Add($"drive '{key}': size of disk '{d.File}' updated from {FormatSize(old)} to {FormatSize(size)}");
        }
        return lines;
    }

    // PVE::JSONSchema::format_size prints 0 as "0T".
    private static string FormatSize(long bytes) => bytes == 0 ? "0T" : SizeFormat.Format(bytes);

    /// <summary>Points every drive of the config and its snapshots at the volumes' target names.</summary>
    public static void Rename(QmConfig cfg, IReadOnlyDictionary<string, string> map)
    {
        foreach (var section in cfg.Snapshots.Select(s => s.Section).Prepend(cfg.Main))
            foreach (var (key, d) in Drives.All(section).ToList())
                if (map.TryGetValue(d.File, out var dst) && dst != d.File)
                {
                    d.File = dst;
                    section[key] = d.ToString();
                }
    }
}

using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Workflows.VmTask;

/// <summary>
/// qemu-server's unlink (update_vm with delete=idlist): a drive without force becomes unusedN (its volume kept), with
/// force its volume is freed; an unusedN is always freed; any other option is just removed. The freed volumes follow
/// from the edit (<see cref="Freed"/>), so the task request needs no list of its own.
/// </summary>
public static class Unlink
{
    /// <summary>The edit for <paramref name="ids"/>: what to set (unusedN), what to delete; keys not set are skipped with a warning.</summary>
    public static (Dictionary<string, string> Set, List<string> Delete, List<string> Warnings) Plan(QmConfig cfg, int vmid,
        IReadOnlyList<string> ids, bool force)
    {
        var set = new Dictionary<string, string>();
        var delete = new List<string>();
        var warnings = new List<string>();
        foreach (var id in ids.Distinct())
        {
            if (cfg[id] is not { } value)
            {
                warnings.Add($"cannot delete '{id}' - not set in current configuration!");
                continue;
            }
            delete.Add(id);
            if (force || !Drives.IsDriveKey(id) || Drives.IsUnused(id)) continue;
            if (DriveSpec.TryParse(value) is not { Volume: not null, IsCdrom: false } d || !Owned(d.File, vmid)) continue;
            var n = 0;
            while (cfg[$"unused{n}"] is not null || set.ContainsKey($"unused{n}")) n++;
            set[$"unused{n}"] = d.File;
        }
        return (set, delete, warnings);
    }

    /// <summary>Volumes of the deleted drives that the VM owns and that the edited config no longer references.</summary>
    public static IReadOnlyList<string> Freed(QmConfig cfg, int vmid, IReadOnlyDictionary<string, string> set, IReadOnlyList<string> delete)
    {
        var kept = cfg.Main.Keys.Where(k => !delete.Contains(k) && !set.ContainsKey(k)).Select(k => cfg[k]!).Concat(set.Values)
            .Select(v => DriveSpec.TryParse(v)?.File).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return delete.Where(Drives.IsDriveKey)
            .Select(k => cfg[k] is { } v ? DriveSpec.TryParse(v) : null)
            .Where(d => d is { Volume: not null, IsCdrom: false } && Owned(d.File, vmid) && !kept.Contains(d.File))
            .Select(d => d!.File).Distinct().ToList();
    }

    /// <summary>Why the unlink is refused (a snapshot still uses a freed volume; a running VM's attached disk), or null.</summary>
    public static string? Check(QmConfig cfg, VmTaskRequest r, bool running)
    {
        var freed = Freed(cfg, r.VmId, r.Set ?? new Dictionary<string, string>(), r.Delete ?? []);
        foreach (var volid in freed)
            if (cfg.Snapshots.Any(s => Drives.All(s.Section).Any(x => x.Drive.File == volid)))
                return $"unable to delete '{volid}' - volume is still in use (snapshot?)";
        // No hot-unplug here: a disk the running VM uses stays until it stops.
        if (running && (r.Delete ?? []).FirstOrDefault(k => Drives.IsDriveKey(k) && !Drives.IsUnused(k)) is { } attached)
            return $"cannot unlink '{attached}' of a running VM: hot-unplug is not supported";
        return null;
    }

    private static bool Owned(string volid, int vmid) =>
        Storage.VolumeName.TryParse(volid, out var n, out _) && n!.VType == "images" && n.VmId == vmid;
}

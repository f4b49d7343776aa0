namespace ActorMigration.Domain.Config;

/// <summary>
/// Proxmox's pending changes (qemu-server's update_vm_api, vmconfig_apply_pending, vmconfig_hotplug_pending and
/// PVE::AbstractConfig's pending delete list): every edit is written to <c>[PENDING]</c> first, then applied at once
/// (a stopped VM, fast-plug keys, what the VM's <c>hotplug</c> allows) or at the next start.
/// </summary>
public static class PendingChanges
{
    public const string DeleteKey = "delete";

    /// <summary>$fast_plug_option: keys without effect on the running VM, always applied at once.</summary>
    public static readonly IReadOnlySet<string> FastPlug = new HashSet<string>
    {
        "description", "hookscript", "lock", "migrate_downtime", "migrate_speed", "name", "onboot", "protection", "shares",
        "startup", "tags", "vmstatestorage",
    };

    /// <summary>A fast-plug key: <see cref="FastPlug"/>, or a cloud-init option (qemu-server adds $confdesc_cloudinit).</summary>
    public static bool IsFastPlug(string key) => FastPlug.Contains(key) || CloudInit.CloudInitChanges.IsConfigKey(key);

    /// <summary>Drive options a running VM takes without a re-plug (vmconfig_update_disk on the same volume).</summary>
    private static readonly HashSet<string> LiveDriveOptions = ["backup", "replicate", "size"];

    public static bool Has(QmConfig cfg) => cfg.Pending is { } p && (p.Keys.Any() || p.Description is not null);

    /// <summary>parse_pending_delete: the keys to delete, in order, each with its force flag (<c>!key</c>).</summary>
    public static List<(string Key, bool Force)> Deletes(QmConfig cfg)
    {
        var list = new List<(string, bool)>();
        foreach (var item in SplitList(cfg.Pending?[DeleteKey]))
        {
            var force = item.StartsWith('!');
            var key = force ? item[1..] : item;
            if (key.Length > 0 && list.All(d => d.Item1 != key)) list.Add((key, force));
        }
        return list;
    }

    /// <summary>PVE::Tools::split_list: items separated by ',', ';' or white space.</summary>
    public static IEnumerable<string> SplitList(string? text) =>
        (text ?? "").Split([',', ';', ' ', '\t', '\n', '\r', '\0'], StringSplitOptions.RemoveEmptyEntries);

    private static void WriteDeletes(QmConfig cfg, List<(string Key, bool Force)> deletes)
    {
        var p = cfg.Pending ??= new QmSection();
        p[DeleteKey] = deletes.Count == 0 ? null : string.Join(',', deletes.Select(d => d.Force ? "!" + d.Key : d.Key));
        DropIfEmpty(cfg);
    }

    private static void DropIfEmpty(QmConfig cfg)
    {
        if (cfg.Pending is { } p && !p.Keys.Any() && p.Description is null) cfg.Pending = null;
    }

    private static void RemoveDelete(QmConfig cfg, string key)
    {
        var d = Deletes(cfg);
        if (d.RemoveAll(x => x.Key == key) > 0) WriteDeletes(cfg, d);
    }

    private static void AddDelete(QmConfig cfg, string key, bool force)
    {
        var d = Deletes(cfg);
        d.RemoveAll(x => x.Key == key);
        d.Add((key, force));
        WriteDeletes(cfg, d);
    }

    /// <summary>
    /// update_vm_api's writes: each delete joins the pending delete list (an unused disk goes at once), each set
    /// becomes the pending value; a pending disk that is replaced or deleted is kept as unusedN. Then cleanup_pending.
    /// Returns Proxmox's warnings.
    /// </summary>
    public static List<string> Stage(QmConfig cfg, IReadOnlyDictionary<string, string> set, IEnumerable<string> delete, bool force)
    {
        var warnings = new List<string>();
        foreach (var key in delete)
        {
            var current = cfg.Main[key];
            var pending = key == DeleteKey ? null : cfg.Pending?[key];
            if (current is null && pending is null)
            {
                warnings.Add($"cannot delete '{key}' - not set in current configuration!");
                continue;
            }
            if (pending is not null)
            {
                cfg.Pending!.Remove(key);
                if (Drives.IsDriveKey(key)) RegisterUnused(cfg, pending);
            }
            if (Drives.IsUnused(key)) cfg.Main.Remove(key);
            else AddDelete(cfg, key, force);
        }
        foreach (var (key, value) in set)
        {
            var pending = cfg.Pending?[key];
            if (pending == value) continue;
            if (pending is not null && Drives.IsDriveKey(key) && SameVolume(pending, value) is false) RegisterUnused(cfg, pending);
            (cfg.Pending ??= new QmSection())[key] = value;
            RemoveDelete(cfg, key);
        }
        Cleanup(cfg);
        return warnings;
    }

    /// <summary>cleanup_pending: pending values equal to the current ones and deletes of keys not set are dropped.</summary>
    public static void Cleanup(QmConfig cfg)
    {
        if (cfg.Pending is not { } p) return;
        foreach (var key in p.Keys.Where(k => k != DeleteKey).ToList())
            if (cfg.Main[key] is { } v && v == p[key]) p.Remove(key);
        if (p.Description is not null && p.Description == cfg.Main.Description) p.Description = null;
        WriteDeletes(cfg, Deletes(cfg).Where(d => cfg.Main.Has(d.Key)).ToList());
    }

    /// <summary>
    /// vmconfig_apply_pending (a stopped VM, or a VM about to start): deletes, then sets; a disk deleted or replaced
    /// by another volume is kept as unusedN.
    /// </summary>
    public static void ApplyAll(QmConfig cfg)
    {
        if (!Has(cfg)) return;
        foreach (var (key, _) in Deletes(cfg))
        {
            if (Drives.IsDriveKey(key) && cfg.Main[key] is { } old) RegisterUnused(cfg, old);
            cfg.Main.Remove(key);
        }
        WriteDeletes(cfg, []);
        Cleanup(cfg);
        if (cfg.Pending is not { } p) return;
        foreach (var key in p.Keys.Where(k => k != DeleteKey).ToList())
            Apply(cfg, key);
        if (p.Description is not null)
        {
            cfg.Main.Description = p.Description;
            p.Description = null;
        }
        DropIfEmpty(cfg);
    }

    private static void Apply(QmConfig cfg, string key)
    {
        var value = cfg.Pending![key]!;
        if (Drives.IsDriveKey(key) && cfg.Main[key] is { } old && SameVolume(old, value) is false) RegisterUnused(cfg, old);
        cfg.Main[key] = value;
        cfg.Pending.Remove(key);
    }

    /// <summary>
    /// vmconfig_hotplug_pending on a running VM: fast-plug keys always, then each other pending change that
    /// <paramref name="live"/> can apply now (key, pending value or null for a delete). The rest stays pending.
    /// What is applied is recorded for cloud-init (<see cref="CloudInit.CloudInitChanges.Record"/>). Returns the keys applied.
    /// </summary>
    public static List<string> ApplyLive(QmConfig cfg, Func<string, string?, bool> live)
    {
        var applied = new List<string>();
        if (cfg.Pending is not { } p) return applied;
        if (p.Description is not null)
        {
            cfg.Main.Description = p.Description;
            p.Description = null;
            applied.Add(QmSection.DescriptionKey);
        }
        foreach (var (key, _) in Deletes(cfg).OrderBy(d => d.Key, StringComparer.Ordinal))
            if (IsFastPlug(key) || live(key, null))
            {
                var old = cfg.Main[key];
                cfg.Main.Remove(key);
                RemoveDelete(cfg, key);
                CloudInit.CloudInitChanges.Record(cfg, key, old, null);
                applied.Add(key);
            }
        foreach (var key in (cfg.Pending?.Keys ?? []).Where(k => k != DeleteKey).ToList())
            if (IsFastPlug(key) || live(key, cfg.Pending![key]))
            {
                var old = cfg.Main[key];
                Apply(cfg, key);
                CloudInit.CloudInitChanges.Record(cfg, key, old, cfg.Main[key]);
                applied.Add(key);
            }
        DropIfEmpty(cfg);
        return applied;
    }

    /// <summary>
    /// What our drivers apply to a running VM without a restart, as vmconfig_hotplug_pending decides: the
    /// <c>hotplug</c> option itself (without memory), a new scsi/virtio disk when disk hot-plug is on, a new NIC when
    /// network hot-plug is on, and option changes of a disk that keep its volume and need no re-plug. Changed NICs,
    /// memory, CPUs and everything else wait for the next start.
    /// </summary>
    /// <param name="hotplug">The VM's <c>hotplug</c> option before the edit.</param>
    public static bool CanApplyLive(QmConfig cfg, string? hotplug, string key, string? value)
    {
        var features = HotplugFeatures.Parse(hotplug);
        if (key == "hotplug")
            return value is null ? !features.Memory : HotplugFeatures.TryParse(value, out var next) && !next.Memory && !features.Memory;
        // A new NIC with network hot-plug on (vm_deviceplug); a changed one waits for the next start.
        if (NetSpec.IsNetKey(key)) return value is not null && cfg.Main[key] is null && features.Network;
        if (value is null || !Drives.IsDriveKey(key) || Drives.IsUnused(key) || key is "efidisk0" or "tpmstate0") return false;
        if (DriveSpec.TryParse(value) is not { } drive || drive.IsCdrom) return false;
        if (cfg.Main[key] is { } old)
        {
            if (DriveSpec.TryParse(old) is not { } was || was.IsCdrom || was.File != drive.File) return false;
            var changed = drive.Props.Items.Select(kv => kv.Key).Union(was.Props.Items.Select(kv => kv.Key))
                .Where(k => k != "file" && drive.Props[k] != was.Props[k]);
            return changed.All(LiveDriveOptions.Contains);
        }
        return features.Disk && Workflows.VmTask.DiskEdits.CanHotplug(key);
    }

    /// <summary>A disk value whose volume another value replaces: the volume becomes unusedN (vmconfig_register_unused_drive).</summary>
    private static void RegisterUnused(QmConfig cfg, string value)
    {
        if (DriveSpec.TryParse(value) is not { IsCdrom: false, Volume: not null } d) return;
        if (cfg.Main.Keys.Where(Drives.IsUnused).Any(k => DriveSpec.TryParse(cfg.Main[k]!)?.File == d.File)) return;
        var n = 0;
        while (cfg.Main[$"unused{n}"] is not null) n++;
        cfg.Main[$"unused{n}"] = d.File;
    }

    private static bool? SameVolume(string a, string b) =>
        DriveSpec.TryParse(a) is { } x && DriveSpec.TryParse(b) is { } y ? x.File == y.File : null;

    /// <summary>The config GET …/config answers without <c>current=1</c>: the pending values applied, pending deletes removed.</summary>
    public static QmSection WithPending(QmConfig cfg)
    {
        var s = cfg.Main.Clone();
        if (cfg.Pending is not { } p) return s;
        foreach (var key in p.Keys.Where(k => k != DeleteKey)) s[key] = p[key];
        if (p.Description is not null) s.Description = p.Description;
        foreach (var (key, _) in Deletes(cfg)) s.Remove(key);
        return s;
    }

    /// <summary>GET …/pending (config_with_pending_array): each key with its value, pending value and delete flag (1, or 2 forced).</summary>
    public static List<PendingItem> Items(QmConfig cfg)
    {
        var deletes = Deletes(cfg).ToDictionary(d => d.Key, d => d.Force ? 2 : 1);
        var p = cfg.Pending ?? new QmSection();
        var items = new List<PendingItem>();
        var main = cfg.Main.Keys.ToList();
        if (cfg.Main.Description is not null) main.Insert(0, QmSection.DescriptionKey);
        foreach (var key in main)
            items.Add(new PendingItem(key, cfg.Main[key], p[key], deletes.TryGetValue(key, out var d) ? d : null));
        var pending = p.Keys.Where(k => k != DeleteKey).ToList();
        if (p.Description is not null) pending.Insert(0, QmSection.DescriptionKey);
        foreach (var key in pending.Where(k => !cfg.Main.Has(k)))
            items.Add(new PendingItem(key, null, p[key], null));
        foreach (var (key, d) in deletes.Where(d => !cfg.Main.Has(d.Key) && !p.Has(d.Key)))
            items.Add(new PendingItem(key, null, null, d));
        return items;
    }
}

/// <summary>One row of GET …/pending.</summary>
public sealed record PendingItem(string Key, string? Value, string? Pending, int? Delete);

/// <summary>parse_hotplug_features: <c>0</c> none, <c>1</c> (the default) network,disk,usb, else a list.</summary>
public sealed record HotplugFeatures(bool Network, bool Disk, bool Cpu, bool Memory, bool Usb, bool CloudInit)
{
    public static readonly HotplugFeatures Default = new(true, true, false, false, true, false);
    public static readonly HotplugFeatures None = new(false, false, false, false, false, false);

    /// <summary>A stored value; one that cannot be parsed counts as the default.</summary>
    public static HotplugFeatures Parse(string? value) => TryParse(value ?? "1", out var f) ? f : Default;

    public static bool TryParse(string value, out HotplugFeatures features) => Check(value, out features) is null;

    /// <summary>pve_verify_hotplug_features's error, or null.</summary>
    public static string? Check(string value, out HotplugFeatures features)
    {
        features = value == "0" ? None : Default;
        if (value is "0" or "1") return null;
        var f = None;
        foreach (var item in PendingChanges.SplitList(value))
        {
            f = item switch
            {
                "network" => f with { Network = true },
                "disk" => f with { Disk = true },
                "cpu" => f with { Cpu = true },
                "memory" => f with { Memory = true },
                "usb" => f with { Usb = true },
                "cloudinit" => f with { CloudInit = true },
                _ => null!,
            };
            if (f is null) return $"invalid hotplug feature '{item}'";
        }
        features = f;
        return null;
    }
}

using System.Text.RegularExpressions;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.CloudInit;

/// <summary>
/// What changed since the cloud-init image was generated, as qemu-server keeps it in the config's
/// <c>[special:cloudinit]</c> section: the old value of each changed key, and <c>added</c> for keys that were not set
/// then. Recorded when a running VM's edit is applied (vmconfig_hotplug_pending), dropped once the image is generated
/// (apply_cloudinit_config: at start, and by PUT …/cloudinit).
/// </summary>
public static class CloudInitChanges
{
    public const string Section = "special:cloudinit";
    public const string AddedKey = "added";

    /// <summary>API2/Qemu.pm's $cloudinitoptions: the keys GET …/cloudinit lists with their value.</summary>
    public static readonly IReadOnlyList<string> Options =
        ["cicustom", "cipassword", "citype", "ciupgrade", "ciuser", "nameserver", "searchdomain", "sshkeys"];

    private static readonly Regex IpConfigKey = new(@"^ipconfig([0-9]|[12][0-9]|3[01])\z", RegexOptions.Compiled);

    /// <summary><c>ipconfig0</c> … <c>ipconfig31</c>.</summary>
    public static bool IsIpConfigKey(string key) => IpConfigKey.IsMatch(key);

    /// <summary>$confdesc_cloudinit: the cloud-init options (fast-plug: a running VM takes them at once).</summary>
    public static bool IsConfigKey(string key) => Options.Contains(key) || IsIpConfigKey(key);

    /// <summary>cloudinit_pending_properties: the cloud-init options, <c>name</c> and the NICs.</summary>
    public static bool IsRecorded(string key) => IsConfigKey(key) || key == "name" || NetSpec.IsNetKey(key);

    /// <summary>The section, or null.</summary>
    public static QmSection? Of(QmConfig cfg) => cfg.Special.FirstOrDefault(s => s.Name == Section).Section;

    /// <summary>has_changes: something was recorded since the image was generated.</summary>
    public static bool HasChanges(QmConfig cfg) => Of(cfg) is { } s && s.Keys.Any();

    /// <summary>has_cloudinit: a drive of the current config is a cloud-init drive (of any vmid).</summary>
    public static bool HasDrive(QmSection main) =>
        Drives.All(main, includeUnused: false).Any(d => CloudInitDrive.IsAnyCloudInit(d.Drive.File));

    /// <summary>cloudinit_record_changed: <paramref name="key"/> goes from <paramref name="old"/> to <paramref name="new"/> (null: unset).</summary>
    public static void Record(QmConfig cfg, string key, string? old, string? @new)
    {
        if (!IsRecorded(key)) return;
        var ci = Of(cfg) ?? Add(cfg);
        var recorded = ci[key];
        var added = new SortedSet<string>(PendingChanges.SplitList(ci[AddedKey]), StringComparer.Ordinal);
        if (@new is not null)
        {
            if (recorded is not null)
            {
                // Back to the image's value: in sync again. Otherwise changed once more: the image's value stays.
                if (@new == recorded)
                {
                    ci.Remove(key);
                    added.Remove(key);
                }
            }
            else if (!added.Contains(key))
            {
                if (old is not null) ci[key] = old;
                else added.Add(key);
            }
        }
        else if (old is not null)
        {
            if (recorded is null && !added.Remove(key)) ci[key] = old;
        }
        ci[AddedKey] = added.Count > 0 ? string.Join(',', added) : null;
        Normalize(cfg);
    }

    private static QmSection Add(QmConfig cfg)
    {
        var s = new QmSection();
        cfg.Special.Add((Section, s));
        return s;
    }

    /// <summary>
    /// write_config writes the section only for a VM with a cloud-init drive; an empty one says nothing (dropped here).
    /// </summary>
    public static void Normalize(QmConfig cfg)
    {
        if (Of(cfg) is { } s && (!s.Keys.Any() || !HasDrive(cfg.Main))) cfg.Special.RemoveAll(x => x.Name == Section);
    }

    /// <summary>
    /// The image was generated from a config whose section was <paramref name="generatedWith"/> (its text, "" for none):
    /// the section goes, unless it changed since (an edit came in between: what it recorded is not in the image).
    /// </summary>
    public static void Generated(QmConfig cfg, string generatedWith)
    {
        if (Text(cfg) == generatedWith) cfg.Special.RemoveAll(x => x.Name == Section);
    }

    /// <summary>The section's lines (<c>key: value</c>), "" when there is none: what <see cref="Generated"/> compares.</summary>
    public static string Text(QmConfig cfg) =>
        Of(cfg) is { } s ? string.Concat(s.Values.Select(kv => $"{kv.Key}: {kv.Value}\n")) : "";

    /// <summary>
    /// GET …/cloudinit (cloudinit_pending), rows as GET …/pending's: the added keys with their value as pending; each of
    /// <see cref="Options"/> that is set, with the image's value and the newer one when it changed; each recorded key
    /// no longer set as a delete. Sorted by key within each part (Proxmox's order is a Perl hash's).
    /// </summary>
    public static List<PendingItem> Items(QmConfig cfg)
    {
        var ci = Of(cfg) ?? new QmSection();
        var c = cfg.Main;
        var added = PendingChanges.SplitList(ci[AddedKey]).ToList();
        var items = added.Select(k => new PendingItem(k, null, c[k], null)).ToList();
        // Perl's truth: a value "0" or "" counts as not set.
        static bool Set(string? v) => v is { Length: > 0 } and not "0";
        foreach (var key in Options.Where(k => Set(c[k]) && !added.Contains(k)))
            items.Add(ci[key] is { Length: > 0 } old and not "0" ? new PendingItem(key, old, c[key], null) : new PendingItem(key, c[key], null, null));
        foreach (var key in ci.Keys.Where(k => k != AddedKey && !Set(c[k])))
            items.Add(new PendingItem(key, null, null, 1));
        return items;
    }
}

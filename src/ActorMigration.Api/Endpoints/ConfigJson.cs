using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Api.Endpoints;

/// <summary>A qm config as the API returns it: numbers for integer and boolean options, strings otherwise.</summary>
public static class ConfigJson
{
    private static readonly HashSet<string> Numeric =
    [
        "cores", "sockets", "vcpus", "balloon", "cpuunits", "template", "onboot", "kvm", "acpi", "numa",
        "protection", "tablet", "localtime", "shares", "freeze", "snaptime", "reboot", "ciupgrade",
        "migrate_speed"
    ];

    /// <summary>Options of type number, returned as JSON numbers.</summary>
    private static readonly HashSet<string> Fractional = ["migrate_downtime"];

    public static Dictionary<string, object?> From(QmSection s, string? digest)
    {
        var d = new Dictionary<string, object?>();
        if (s.Description is not null) d["description"] = s.Description;
        foreach (var (k, v) in s.Values) d[k] = Value(k, v);
        if (digest is not null) d["digest"] = digest;
        return d;
    }

    private static object Value(string k, string v) =>
        k == "cipassword" ? Http.CloudInitOptions.Masked
        : Numeric.Contains(k) && long.TryParse(v, out var n) ? n
        : Fractional.Contains(k) && Http.ParamSchema.TryNumber(v, out var x) ? x
        : v;

    /// <summary>GET …/pending: one entry per key, sorted, with <c>value</c>, <c>pending</c> and <c>delete</c> (1, or 2 forced) where set.</summary>
    public static List<Dictionary<string, object?>> Pending(QmConfig cfg, string digest)
    {
        var items = PendingChanges.Items(cfg).Append(new PendingItem("digest", digest, null, null)).OrderBy(i => i.Key, StringComparer.Ordinal);
        return Rows(items, Value);
    }

    /// <summary>Rows <c>{key, value?, pending?, delete?}</c>, each value as <paramref name="shown"/> gives it (key, value).</summary>
    public static List<Dictionary<string, object?>> Rows(IEnumerable<PendingItem> items, Func<string, string, object> shown) =>
        items.Select(i =>
        {
            var e = new Dictionary<string, object?> { ["key"] = i.Key };
            if (i.Value is { } v) e["value"] = shown(i.Key, v);
            if (i.Pending is { } pv) e["pending"] = shown(i.Key, pv);
            if (i.Delete is { } del) e["delete"] = del;
            return e;
        }).ToList();

    /// <summary>Size of the boot disk (bootdisk_size: the first disk of the boot order, legacy <c>bootdisk</c> included), else of the first disk.</summary>
    public static long MaxDisk(QmSection c)
    {
        var disks = Drives.All(c, includeUnused: false).Where(d => !d.Drive.IsCdrom && d.Drive.Volume is not null).ToList();
        var boot = BootOrder.Disks(c).FirstOrDefault(k => disks.Any(d => d.Key == k));
        var disk = boot is not null ? disks.First(d => d.Key == boot) : disks.FirstOrDefault();
        return disk.Drive?.SizeBytes ?? 0;
    }

    public static int Cpus(QmSection c) =>
        (int.TryParse(c["cores"], out var co) ? co : 1) * (int.TryParse(c["sockets"], out var so) ? so : 1);

    public static string Name(QmSection c, int vmid) => c["name"] ?? $"VM {vmid}";

    public static string Digest(string configText) => VmState.DigestOf(configText);
}

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
        foreach (var (k, v) in s.Values)
            d[k] = k == "cipassword" ? Http.CloudInitOptions.Masked
                : Numeric.Contains(k) && long.TryParse(v, out var n) ? n
                : Fractional.Contains(k) && Http.ParamSchema.TryNumber(v, out var x) ? x
                : v;
        if (digest is not null) d["digest"] = digest;
        return d;
    }

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

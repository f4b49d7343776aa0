using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Config;

/// <summary>
/// The <c>boot</c> option (qemu-server's pve-qm-boot format): <c>order=dev;dev…</c>, or the deprecated legacy
/// letters <c>[acdn]{1,4}</c> as its key-less value (<c>boot: cdn</c>) together with the deprecated <c>bootdisk</c>.
/// </summary>
public static class BootOrder
{
    public const string LegacyKey = "legacy", OrderKey = "order";
    private static readonly Regex Legacy = new(@"^[acdn]{1,4}\z", RegexOptions.Compiled);
    private static readonly Regex NetDev = new(@"^net([0-9]|[12][0-9]|3[01])\z", RegexOptions.Compiled);
    private static readonly Regex UsbDev = new(@"^usb([0-9]|1[0-3])\z", RegexOptions.Compiled);
    private static readonly Regex PciDev = new(@"^hostpci([0-9]|1[0-5])\z", RegexOptions.Compiled);

    /// <summary>The format error of a <c>boot</c> value, or null. Texts follow parse_property_string and verify_bootdev.</summary>
    public static string? Check(string value)
    {
        PropertyString ps;
        try
        {
            ps = PropertyString.Parse(value, LegacyKey);
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        foreach (var (k, v) in ps.Items)
        {
            if (k is not (LegacyKey or OrderKey)) return $"invalid key in comma-separated list property: {k}";
            if (k == LegacyKey && !Legacy.IsMatch(v)) return "format error\nlegacy: value does not match the regex pattern";
            if (k == OrderKey && Devices(v).FirstOrDefault(d => !IsBootDevice(d)) is { } bad)
                return $"format error\norder: invalid format - invalid boot device '{bad}'";
        }
        return null;
    }

    /// <summary>The format error of a <c>bootdisk</c> value (verify_bootdisk), or null.</summary>
    public static string? CheckBootDisk(string value) =>
        Drives.IsDriveKey(value) && !Drives.IsUnused(value) ? null : $"invalid boot disk '{value}'";

    /// <summary>
    /// The disks a VM boots from, as get_bootdisks reads them: <c>bootdisk</c> when <c>boot</c> is absent or has
    /// legacy letters, else the drives of <c>order=</c>. Never throws: a value it cannot read counts as absent.
    /// </summary>
    public static IReadOnlyList<string> Disks(QmSection c)
    {
        PropertyString? boot = null;
        if (c["boot"] is { Length: > 0 } text)
            try
            {
                boot = PropertyString.Parse(text, LegacyKey);
            }
            catch (FormatException)
            {
            }
        if (boot is null || boot[LegacyKey] is not null)
            return c["bootdisk"] is { } bd && Drives.IsDriveKey(bd) ? [bd] : [];
        return Devices(boot[OrderKey] ?? "").Where(Drives.IsDriveKey).ToList();
    }

    /// <summary>
    /// The <c>bootindex</c> of each boot device, as qemu-server's device_bootorder: <c>order=a;b;c</c> gives 100, 101, 102
    /// (from 100, so <c>args</c> can put devices before them). Without <c>boot</c>, or with legacy letters (default
    /// <c>cdn</c>), bootorder_from_legacy: letter i counts from i*100; cdroms (not cloud-init) take the <c>d</c> indexes,
    /// disks the <c>c</c> indexes but only <c>bootdisk</c> gets one, NICs the <c>n</c> indexes. A value it cannot read
    /// counts as legacy default, as parse_property_string failing in device_bootorder; an empty order gives none.
    /// </summary>
    public static IReadOnlyDictionary<string, int> DeviceIndexes(QmSection c)
    {
        PropertyString? boot = null;
        if (c["boot"] is { } text)
            try
            {
                boot = PropertyString.Parse(text, LegacyKey);
            }
            catch (FormatException)
            {
            }
        var result = new Dictionary<string, int>();
        if (boot is not null && boot[LegacyKey] is null)
        {
            var i = 100;
            foreach (var dev in Devices(boot[OrderKey] ?? "")) result.TryAdd(dev, i++);
            return result;
        }
        var letters = boot?[LegacyKey] ?? "cdn";
        var next = new Dictionary<char, int>();
        for (var i = 0; i < letters.Length; i++) next.TryAdd(letters[i], (i + 1) * 100);
        foreach (var (key, d) in Drives.All(c, includeUnused: false))
        {
            if (d.IsCdrom && !CloudInit.CloudInitDrive.IsAnyCloudInit(d.File))
            {
                if (next.TryGetValue('d', out var di)) (result[key], next['d']) = (di, di + 1);
            }
            else if (next.TryGetValue('c', out var ci))
            {
                if (c["bootdisk"] == key) result[key] = ci;
                next['c'] = ci + 1;
            }
        }
        foreach (var key in c.Keys.Where(NetSpec.IsNetKey).OrderBy(k => int.Parse(k[3..])))
            if (next.TryGetValue('n', out var ni)) (result[key], next['n']) = (ni, ni + 1);
        return result;
    }

    // PVE::Tools::split_list
    private static IEnumerable<string> Devices(string order) =>
        order.Split([';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static bool IsBootDevice(string dev) =>
        (Drives.IsDriveKey(dev) && !Drives.IsUnused(dev) && !dev.StartsWith("efidisk") && !dev.StartsWith("tpmstate"))
        || NetDev.IsMatch(dev) || UsbDev.IsMatch(dev) || PciDev.IsMatch(dev);
}

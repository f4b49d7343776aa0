using System.Text.RegularExpressions;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Vms;

/// <summary>What the server adds or rewrites in a config on create, edit and clone (Proxmox rules).</summary>
public static class VmConfigRules
{
    public static readonly Regex VmGenIdRe = new(@"^(?:[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[01])$", RegexOptions.Compiled);
    public const string QemuVersion = "7.2.0";

    /// <summary>vmgenid value to store: "1" → <paramref name="fresh"/>, "0" → "0", a UUID → itself (lower case).</summary>
    public static string VmGenId(string value, Guid fresh) =>
        value == "1" ? fresh.ToString() : value == "0" ? "0" : value.ToLowerInvariant();

    /// <summary>Completes a new VM's config: smbios1 uuid, vmgenid, meta, MACs and a boot order.</summary>
    public static void CompleteNew(QmConfig cfg, FreshIds ids, string macPrefix, DateTimeOffset now)
    {
        var c = cfg.Main;
        c["vmgenid"] = VmGenId(c["vmgenid"] ?? "1", ids.VmGenId);
        if (c["smbios1"] is null) c["smbios1"] = $"uuid={ids.SmbiosUuid}";
        else
        {
            var s = PropertyString.Parse(c["smbios1"]!);
            if (s["uuid"] is null) s["uuid"] = ids.SmbiosUuid.ToString();
            c["smbios1"] = s.Print();
        }
        c["meta"] ??= $"creation-qemu={QemuVersion},ctime={now.ToUnixTimeSeconds()}";
        foreach (var key in c.Keys.Where(NetSpec.IsNetKey).ToList())
        {
            var n = NetSpec.Parse(c[key]!);
            if (n.Mac is null)
            {
                n.Mac = NetSpec.RandomMac(macPrefix);
                c[key] = n.ToString();
            }
        }
        if (c["boot"] is null)
        {
            var order = Drives.All(c, includeUnused: false)
                .Where(d => Drives.Bus(d.Key) is "ide" or "sata" or "scsi" or "virtio")
                .Select(d => d.Key)
                .Concat(c.Keys.Where(NetSpec.IsNetKey).OrderBy(k => int.Parse(k[3..])))
                .ToList();
            if (order.Count > 0) c["boot"] = "order=" + string.Join(';', order);
        }
    }

    /// <summary>New identity for a copy (clone, restore with unique=1): MACs, smbios1 uuid, vmgenid if set.</summary>
    public static void NewIdentity(QmSection c, FreshIds ids, string macPrefix, bool macs = true, bool smbios = true, bool vmgenid = true)
    {
        if (macs)
            foreach (var key in c.Keys.Where(NetSpec.IsNetKey).ToList())
            {
                var n = NetSpec.Parse(c[key]!);
                n.Mac = NetSpec.RandomMac(macPrefix);
                c[key] = n.ToString();
            }
        if (smbios)
        {
            var s = PropertyString.Parse(c["smbios1"] ?? "");
            s["uuid"] = ids.SmbiosUuid.ToString();
            c["smbios1"] = s.Print();
        }
        if (vmgenid && c["vmgenid"] is { } g && g != "0")
            c["vmgenid"] = ids.VmGenId.ToString();
    }

    /// <summary>Turns edit values into stored values (vmgenid=1 → a new UUID).</summary>
    public static IReadOnlyDictionary<string, string> NormalizeEdit(IReadOnlyDictionary<string, string> set, FreshIds ids)
    {
        var result = new Dictionary<string, string>(set);
        if (result.TryGetValue("vmgenid", out var g)) result["vmgenid"] = VmGenId(g, ids.VmGenId);
        return result;
    }
}

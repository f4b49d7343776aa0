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

    /// <summary>Completes a new VM's config: smbios1 uuid, vmgenid, meta, a MAC for each NIC without one, and a boot order.</summary>
    public static void CompleteNew(QmConfig cfg, FreshIds ids, DateTimeOffset now)
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
        if (c["tags"] is { } tags) c["tags"] = Tags.Normalize(tags);
        foreach (var key in c.Keys.Where(NetSpec.IsNetKey).ToList())
            c[key] = WithMac(c[key]!, key, ids);
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
    public static void NewIdentity(QmSection c, FreshIds ids, bool macs = true, bool smbios = true, bool vmgenid = true)
    {
        if (macs)
            foreach (var key in c.Keys.Where(NetSpec.IsNetKey).ToList())
            {
                var n = NetSpec.Parse(c[key]!);
                n.Mac = ids.MacFor(key);
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

    /// <summary>
    /// Turns edit values into stored values: vmgenid=1 → a new UUID, tags normalized, a NIC written without a MAC gets its new one
    /// (qemu-server's parse_net on update: the NIC is stored as <c>virtio=BC:24:11:…,bridge=vmbr0</c>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> NormalizeEdit(IReadOnlyDictionary<string, string> set, FreshIds ids)
    {
        var result = new Dictionary<string, string>(set);
        if (result.TryGetValue("vmgenid", out var g)) result["vmgenid"] = VmGenId(g, ids.VmGenId);
        if (result.TryGetValue("tags", out var t)) result["tags"] = Tags.Normalize(t);
        foreach (var key in set.Keys.Where(NetSpec.IsNetKey)) result[key] = WithMac(set[key], key, ids);
        return result;
    }

    /// <summary>A NIC value as stored: its own MAC, or the new one supplied for its key.</summary>
    private static string WithMac(string value, string key, FreshIds ids)
    {
        var n = NetSpec.Parse(value);
        if (n.Mac is not null) return value;
        n.Mac = ids.MacFor(key);
        return n.ToString();
    }
}

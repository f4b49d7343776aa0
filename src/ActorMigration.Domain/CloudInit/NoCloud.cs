using System.Security.Cryptography;
using System.Text;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.CloudInit;

/// <summary>The files of a NoCloud image (volume label <c>cidata</c>), as qemu-server's Cloudinit.pm writes them.</summary>
public sealed record NoCloudImage(string UserData, string NetworkConfig, string MetaData, string VendorData)
{
    public const string Label = "cidata";

    /// <summary>File name → content, as laid out on the ISO.</summary>
    public IReadOnlyDictionary<string, string> Files => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["meta-data"] = MetaData, ["network-config"] = NetworkConfig, ["user-data"] = UserData, ["vendor-data"] = VendorData,
    };
}

/// <summary>Pure generation of the NoCloud files from a VM config (no I/O: custom snippets come in as text).</summary>
public static class NoCloud
{
    /// <summary>Cloudinit.pm keeps the sum of all files below 3 MiB (the drive is 4 MiB).</summary>
    public const int MaxTotal = 3 * 1024 * 1024;

    /// <summary>get_cloudinit_format: citype, else configdrive2 for Windows, else nocloud.</summary>
    public static string Type(QmSection c) =>
        c["citype"] ?? (c["ostype"] is { } os && os.StartsWith('w') ? "configdrive2" : "nocloud");

    /// <summary>
    /// The image of VM <paramref name="vmid"/>. <paramref name="custom"/> holds cicustom's snippets by kind
    /// (user, network, meta, vendor); a given one replaces the generated file.
    /// </summary>
    public static NoCloudImage Generate(QmSection c, int vmid, IReadOnlyDictionary<string, string>? custom = null)
    {
        if (Type(c) != "nocloud")
            throw new InvalidOperationException($"cloud-init type '{Type(c)}' is not supported here (only nocloud)");
        string? Custom(string kind) => custom is not null && custom.TryGetValue(kind, out var v) ? v : null;
        var user = Custom("user") ?? UserData(c, vmid);
        var network = Custom("network") ?? NetworkConfig(c);
        var vendor = Custom("vendor") ?? "";
        var meta = Custom("meta") ?? $"instance-id: {InstanceId(user, network)}\n";
        if (Encoding.UTF8.GetByteCount(user + network + meta + vendor) > MaxTotal)
            throw new InvalidOperationException("Cloud-Init sum of snippets too big (> 3 MiB)");
        return new NoCloudImage(user, network, meta, vendor);
    }

    /// <summary>nocloud_gen_metadata: the SHA-1 of user-data and network-config.</summary>
    public static string InstanceId(string user, string network) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(user + network)));

    public static (string Hostname, string Fqdn) Hostname(QmSection c, int vmid)
    {
        var name = c["name"] ?? $"VM{vmid}";
        if (name.Contains('.')) return (name[..name.IndexOf('.')], name);
        return c["searchdomain"] is { Length: > 0 } search ? (name, $"{name}.{search}") : (name, name);
    }

    /// <summary>cloudinit_userdata.</summary>
    public static string UserData(QmSection c, int vmid)
    {
        var (host, fqdn) = Hostname(c, vmid);
        var sb = new StringBuilder("#cloud-config\n");
        sb.Append($"hostname: {host}\nmanage_etc_hosts: true\nfqdn: {fqdn}\n");
        var user = c["ciuser"];
        if (user is not null) sb.Append($"user: {user}\n");
        if (user == "root") sb.Append("disable_root: False\n");
        if (c["cipassword"] is { } pw) sb.Append($"password: {pw}\n");
        if (c["sshkeys"] is { } enc)
        {
            sb.Append("ssh_authorized_keys:\n");
            foreach (var k in SshKeys(enc)) sb.Append($"  - {k}\n");
        }
        sb.Append("chpasswd:\n  expire: False\n");
        if (user != "root") sb.Append("users:\n  - default\n");
        if (c["ciupgrade"] is null or "1") sb.Append("package_upgrade: true\n");
        return sb.ToString();
    }

    /// <summary>The keys of <c>sshkeys</c> (URL-encoded, one per line), blank lines dropped.</summary>
    public static IReadOnlyList<string> SshKeys(string urlEncoded) =>
        Uri.UnescapeDataString(urlEncoded).Split('\n').Select(k => k.TrimEnd('\r')).Where(k => k.Trim().Length > 0).ToList();

    /// <summary>nocloud_network: version 1, one physical entry per netN with an ipconfigN, then the name servers.</summary>
    public static string NetworkConfig(QmSection c)
    {
        var sb = new StringBuilder("version: 1\nconfig:\n");
        const string i = "    ";
        foreach (var key in c.Keys.Where(NetSpec.IsNetKey).OrderBy(k => k, StringComparer.Ordinal))
        {
            var id = key[3..];
            if (c[$"ipconfig{id}"] is not { Length: > 0 } ipText) continue;
            var ip = PropertyString.Parse(ipText);
            var mac = NetSpec.Parse(c[key]!).Mac?.ToLowerInvariant()
                ?? throw new InvalidOperationException($"network interface '{key}' has no mac address");
            sb.Append($"{i}- type: physical\n{i}  name: eth{id}\n{i}  mac_address: '{mac}'\n{i}  subnets:\n");
            const string j = i + "  ";
            if (ip["ip"] is { } v4)
            {
                if (v4 == "dhcp") sb.Append($"{j}- type: dhcp4\n");
                else
                {
                    var (addr, mask) = SplitIp4(v4);
                    sb.Append($"{j}- type: static\n{j}  address: '{addr}'\n{j}  netmask: '{mask}'\n");
                    if (ip["gw"] is { } gw) sb.Append($"{j}  gateway: '{gw}'\n");
                }
            }
            if (ip["ip6"] is { } v6)
            {
                if (v6 == "dhcp") sb.Append($"{j}- type: dhcp6\n");
                else if (v6 == "auto") sb.Append($"{j}- type: ipv6_slaac\n");
                else
                {
                    sb.Append($"{j}- type: static6\n{j}  address: '{v6}'\n");
                    if (ip["gw6"] is { } gw6) sb.Append($"{j}  gateway: '{gw6}'\n");
                }
            }
        }
        // get_dns_conf falls back to the host's resolv.conf; here only the VM's own settings count.
        sb.Append($"{i}- type: nameserver\n");
        var servers = (c["nameserver"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (servers.Length > 0)
        {
            sb.Append($"{i}  address:\n");
            foreach (var s in servers) sb.Append($"{i}  - '{s}'\n");
        }
        var search = (c["searchdomain"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (search.Length > 0)
        {
            sb.Append($"{i}  search:\n");
            foreach (var s in search) sb.Append($"{i}  - '{s}'\n");
        }
        return sb.ToString();
    }

    private static (string Addr, string Mask) SplitIp4(string cidr)
    {
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], out var bits) || bits is < 0 or > 32)
            throw new InvalidOperationException($"not a CIDR: {cidr}");
        var m = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
        return (parts[0], $"{m >> 24}.{(m >> 16) & 255}.{(m >> 8) & 255}.{m & 255}");
    }
}

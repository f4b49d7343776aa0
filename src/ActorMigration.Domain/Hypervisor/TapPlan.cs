using System.Globalization;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Hypervisor;

/// <summary>What the node knows of a bridge: its MTU and whether it filters VLANs (<c>bridge/vlan_filtering</c>).</summary>
public sealed record BridgeFacts(int Mtu, bool VlanAware);

/// <summary>
/// The host commands that plug a VM's tap into its bridge, as Proxmox's pve-bridge script does (PVE::Network's
/// tap_create, tap_plug and tap_rate_limit). Pure: the driver runs the commands in the node's network namespace.
/// </summary>
public static class TapPlan
{
    /// <summary>Proxmox's burst of the rate limit, in bytes (tap_rate_limit).</summary>
    public const int RateBurstBytes = 1024 * 1024;

    /// <summary>The tap name Proxmox gives NIC <c>netN</c> of a VM: <c>tap&lt;vmid&gt;i&lt;N&gt;</c>.</summary>
    public static string TapName(int vmid, string nic) => $"tap{vmid}i{(nic.StartsWith("net", StringComparison.Ordinal) ? nic[3..] : nic)}";

    /// <summary>Proxmox's error of a bridge the node does not have (read_bridge_mtu).</summary>
    public static string MissingBridge(string bridge) => $"bridge '{bridge}' does not exist";

    /// <summary>The start error of a NIC the node's bridge cannot carry, or null.</summary>
    public static string? StartError(NicLaunch nic, BridgeFacts? bridge)
    {
        if (nic.Bridge is not { } name) return null;
        if (bridge is null) return MissingBridge(name);
        // Proxmox creates a vmbrXvN bridge for a tag on a bridge without VLAN filtering; here the bridge must be VLAN aware.
        if (nic.Tag is { } tag && !bridge.VlanAware)
            return $"bridge '{name}' is not VLAN aware (tag={tag} needs bridge-vlan-aware on this node)";
        return null;
    }

    /// <summary>Argument lists (program first) that plug <paramref name="nic"/>'s tap into its bridge.</summary>
    public static IReadOnlyList<string[]> Plug(int vmid, NicLaunch nic, BridgeFacts bridge)
    {
        if (nic.Bridge is not { } name) return [];
        var tap = TapName(vmid, nic.Name);
        // mtu=1 means "the bridge's MTU", as no mtu at all (qemu-server).
        var mtu = nic.Mtu is { } m and > 1 ? m : bridge.Mtu;
        var list = new List<string[]>
        {
            new[] { "ip", "link", "set", tap, "mtu", I(mtu) },
            new[] { "ip", "link", "set", tap, "master", name },
        };
        if (bridge.VlanAware)
        {
            list.Add(["bridge", "vlan", "del", "dev", tap, "vid", "1-4094"]);
            if (nic.Tag is { } tag) list.Add(["bridge", "vlan", "add", "dev", tap, "vid", I(tag), "pvid", "untagged"]);
            else
            {
                list.Add(["bridge", "vlan", "add", "dev", tap, "vid", "2-4094"]);
                list.Add(["bridge", "vlan", "add", "dev", tap, "vid", "1", "pvid", "untagged"]);
            }
        }
        if (nic.RateMBps is { } rate and > 0)
        {
            var bps = I((long)(rate * 1024 * 1024));
            var burst = $"{RateBurstBytes}b";
            list.Add(["tc", "qdisc", "add", "dev", tap, "root", "handle", "1:", "htb", "default", "1"]);
            list.Add(["tc", "class", "add", "dev", tap, "parent", "1:", "classid", "1:1", "htb", "rate", bps + "bps", "burst", burst]);
            list.Add(["tc", "qdisc", "add", "dev", tap, "handle", "ffff:", "ingress"]);
            list.Add(["tc", "filter", "add", "dev", tap, "parent", "ffff:", "prio", "50", "basic", "police", "rate", bps + "bps", "burst", burst,
                "mtu", "64kb", "drop"]);
        }
        list.Add(["ip", "link", "set", tap, "promisc", "on", "up"]);
        return list;
    }

    /// <summary>
    /// Whether a failed plug command only loses the guest-to-host rate limit (the ingress police filter needs the kernel's
    /// cls_basic and act_police, which some kernels lack): the driver warns instead of failing the start.
    /// </summary>
    public static bool IsIngressPolice(string[] cmd) => cmd is ["tc", "filter", "add", _, _, "parent", "ffff:", ..];

    /// <summary>The prefix of the firewall tables' names: the tap's name follows it.</summary>
    public const string FirewallTablePrefix = "am_fw_";

    /// <summary>Name of the nftables tables (bridge and inet family) of a tap's firewall mark.</summary>
    public static string FirewallTable(string tap) => FirewallTablePrefix + tap;

    /// <summary>
    /// nft argument lists that mark the tap's conntrack entries with the VM id, as pve-firewall does: the bridge family
    /// sets meta mark on frames from or to the tap (the inet family sees only the bridge), the inet forward chain copies
    /// it into the ct mark. Needs <c>net.bridge.bridge-nf-call-iptables=1</c> in the namespace.
    /// </summary>
    public static IReadOnlyList<string[]> Firewall(int vmid, string tap)
    {
        var t = FirewallTable(tap);
        var id = I(vmid);
        return
        [
            ["nft", "add", "table", "bridge", t],
            ["nft", "add", "chain", "bridge", t, "vmmark", "{ type filter hook forward priority -200; }"],
            ["nft", "add", "rule", "bridge", t, "vmmark", "iifname", tap, "meta", "mark", "set", id],
            ["nft", "add", "rule", "bridge", t, "vmmark", "oifname", tap, "meta", "mark", "set", id],
            ["nft", "add", "table", "inet", t],
            ["nft", "add", "chain", "inet", t, "vmmark", "{ type filter hook forward priority 0; }"],
            ["nft", "add", "rule", "inet", t, "vmmark", "meta", "mark", id, "ct", "mark", "set", "meta", "mark"],
        ];
    }

    /// <summary>nft argument lists that remove a tap's firewall tables.</summary>
    public static IReadOnlyList<string[]> FirewallRemoval(string tap) =>
        [["nft", "delete", "table", "bridge", FirewallTable(tap)], ["nft", "delete", "table", "inet", FirewallTable(tap)]];

    /// <summary>The NIC launch of config value <paramref name="value"/> of key <paramref name="key"/> (bridge, tag, rate, mtu, link_down, firewall).</summary>
    public static NicLaunch FromConfig(string key, string value)
    {
        var n = NetSpec.Parse(value);
        var p = n.Props;
        return new NicLaunch(key, n.Model, n.Mac, p["bridge"], Int(p["tag"]),
            double.TryParse(p["rate"], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) ? r : null,
            Int(p["mtu"]), p["link_down"] == "1", p["firewall"] == "1");
    }

    private static int? Int(string? s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
}

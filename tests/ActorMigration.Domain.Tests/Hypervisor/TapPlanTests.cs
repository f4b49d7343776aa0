using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Tests.Hypervisor;

/// <summary>Tap NICs on bridges: the commands of Proxmox's pve-bridge (tap_create, tap_plug, tap_rate_limit).</summary>
public sealed class TapPlanTests
{
    private static readonly BridgeFacts Plain = new(1500, VlanAware: false);
    private static readonly BridgeFacts Aware = new(9000, VlanAware: true);

    private static string[] Lines(IReadOnlyList<string[]> cmds) => cmds.Select(c => string.Join(' ', c)).ToArray();

    [Fact]
    public void Nic_options_are_parsed_from_the_config_value()
    {
        var n = TapPlan.FromConfig("net3", "virtio=BC:24:11:00:00:01,bridge=vmbr1,tag=20,rate=2.5,mtu=1400,link_down=1,firewall=1");
        Assert.Equal(new NicLaunch("net3", "virtio", "BC:24:11:00:00:01", "vmbr1", 20, 2.5, 1400, true, true), n);
        Assert.Equal(new NicLaunch("net0", "e1000", null), TapPlan.FromConfig("net0", "model=e1000"));
    }

    [Fact]
    public void Tap_is_named_as_proxmox_names_it() => Assert.Equal("tap105i3", TapPlan.TapName(105, "net3"));

    [Fact]
    public void Plain_bridge_gets_bridge_mtu_master_and_up()
    {
        var nic = new NicLaunch("net0", "virtio", null, "vmbr0");
        Assert.Equal(
            ["ip link set tap100i0 mtu 1500", "ip link set tap100i0 master vmbr0", "ip link set tap100i0 promisc on up"],
            Lines(TapPlan.Plug(100, nic, Plain)));
    }

    [Fact]
    public void Vlan_aware_bridge_gets_the_tag_as_untagged_pvid()
    {
        var nic = new NicLaunch("net1", "virtio", null, "vmbr0", Tag: 30, Mtu: 1400);
        Assert.Equal(
        [
            "ip link set tap100i1 mtu 1400", "ip link set tap100i1 master vmbr0", "bridge vlan del dev tap100i1 vid 1-4094",
            "bridge vlan add dev tap100i1 vid 30 pvid untagged", "ip link set tap100i1 promisc on up"
        ], Lines(TapPlan.Plug(100, nic, Aware)));
    }

    [Fact]
    public void Vlan_aware_bridge_without_tag_trunks_all_vlans_and_mtu_1_is_the_bridge_mtu()
    {
        var lines = Lines(TapPlan.Plug(7, new NicLaunch("net0", "virtio", null, "vmbr0", Mtu: 1), Aware));
        Assert.Equal("ip link set tap7i0 mtu 9000", lines[0]);
        Assert.Contains("bridge vlan add dev tap7i0 vid 2-4094", lines);
        Assert.Contains("bridge vlan add dev tap7i0 vid 1 pvid untagged", lines);
    }

    [Fact]
    public void Rate_is_megabytes_per_second_in_htb_and_ingress_police()
    {
        var lines = Lines(TapPlan.Plug(100, new NicLaunch("net0", "virtio", null, "vmbr0", RateMBps: 1.5), Plain));
        Assert.Contains("tc class add dev tap100i0 parent 1: classid 1:1 htb rate 1572864bps burst 1048576b", lines);
        Assert.Contains("tc filter add dev tap100i0 parent ffff: prio 50 basic police rate 1572864bps burst 1048576b mtu 64kb drop", lines);
        var plug = TapPlan.Plug(100, new NicLaunch("net0", "virtio", null, "vmbr0", RateMBps: 1.5), Plain);
        Assert.Equal([lines.Single(l => l.StartsWith("tc filter", StringComparison.Ordinal))],
            plug.Where(TapPlan.IsIngressPolice).Select(c => string.Join(' ', c)));
    }

    [Fact]
    public void Missing_bridge_and_tag_on_plain_bridge_are_start_errors()
    {
        var nic = new NicLaunch("net0", "virtio", null, "vmbr9", Tag: 5);
        Assert.Equal("bridge 'vmbr9' does not exist", TapPlan.StartError(nic, null));
        Assert.Contains("not VLAN aware", TapPlan.StartError(nic, Plain));
        Assert.Null(TapPlan.StartError(nic, Aware));
        Assert.Null(TapPlan.StartError(new NicLaunch("net0", "virtio", null), null));
        Assert.Empty(TapPlan.Plug(1, new NicLaunch("net0", "virtio", null), Plain));
    }

    [Fact]
    public void Firewall_marks_the_taps_conntrack_entries_with_the_vmid_and_is_removed_by_table()
    {
        var lines = Lines(TapPlan.Firewall(100, "tap100i0"));
        Assert.Contains("nft add rule bridge am_fw_tap100i0 vmmark iifname tap100i0 meta mark set 100", lines);
        Assert.Contains("nft add rule bridge am_fw_tap100i0 vmmark oifname tap100i0 meta mark set 100", lines);
        Assert.Contains("nft add rule inet am_fw_tap100i0 vmmark meta mark 100 ct mark set meta mark", lines);
        Assert.Equal(["nft delete table bridge am_fw_tap100i0", "nft delete table inet am_fw_tap100i0"], Lines(TapPlan.FirewallRemoval("tap100i0")));
    }
}

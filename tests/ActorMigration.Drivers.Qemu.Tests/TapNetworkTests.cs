using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>Tap NICs on a Linux bridge inside the node's own network namespace (the host's namespace is never touched).</summary>
public sealed class TapNetworkTests(ITestOutputHelper output)
{
    private readonly string _ns = $"amnet-{Environment.ProcessId}-a";

    private static NicLaunch Nic(int vmid, string bridge, bool firewall = false, double? rate = null) =>
        new("net0", "virtio", $"BC:24:11:00:{vmid / 100:D2}:{vmid % 100:D2}", bridge, RateMBps: rate, Firewall: firewall);

    [Fact]
    public async Task Two_vms_on_one_bridge_exchange_packets_and_a_missing_bridge_is_a_start_error()
    {
        await using var env = await TestEnv.CreateAsync(output);
        try
        {
            await NodeNetworks.CreateAsync(_ns);
            var node = env.Reopen(env.SettingsFor("tapnet") with { VmNetns = _ns });
            var hv = node.Qemu;

            // Proxmox's pve-bridge: "bridge 'vmbr9' does not exist", and no QEMU is left behind.
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => hv.StartAsync(Specs.Guest(151, "t", nics: [Nic(151, "vmbr9")])));
            Assert.Equal("bridge 'vmbr9' does not exist", error.Message);
            Assert.Empty(env.LiveQemuPids());

            // net1: no bridge (user-mode), link_down=1 (QMP set_link after start).
            await hv.StartAsync(Specs.Guest(152, "t", nics: [Nic(152, "vmbr0"), new NicLaunch("net1", "virtio", null, LinkDown: true)]));
            await hv.StartAsync(Specs.Guest(153, "t", nics: [Nic(153, "vmbr0", firewall: true, rate: 5)]));
            var ports = await NodeNetworks.Run("ip", "-n", _ns, "-o", "link", "show", "master", "vmbr0");
            Assert.Contains("tap152i0", ports);
            Assert.Contains("tap153i0", ports);
            Assert.False(Directory.Exists("/sys/class/net/tap152i0"), "the tap must live in the node's namespace only");
            Assert.Contains("am_fw_tap153i0", await NodeNetworks.Run("ip", "netns", "exec", _ns, "nft", "list", "tables"));
            // rate=5 MB/s = 5242880 bytes/s, which tc prints in bits.
            Assert.Contains("rate 41943Kbit", await NodeNetworks.Run("tc", "-n", _ns, "class", "show", "dev", "tap153i0"));

            await GuestConsole.WaitForHeartbeatAsync(hv, 152, 2);
            await GuestConsole.WaitForHeartbeatAsync(hv, 153, 2);
            await GuestConsole.RunAsync(hv, 152, "ip link set eth0 up; ip addr add 10.99.0.2/24 dev eth0");
            await GuestConsole.RunAsync(hv, 153, "ip link set eth0 up; ip addr add 10.99.0.3/24 dev eth0");
            var ping = await GuestConsole.RunAsync(hv, 152, "ping -c 3 -W 2 10.99.0.3 >/dev/null && echo ping-ok || echo ping-failed");
            Assert.Contains("ping-ok", ping);
            // firewall=1: the guest's connections carry ct mark = vmid in the node's conntrack table.
            Assert.Contains("10.99.0.3", await NodeNetworks.Run("ip", "netns", "exec", _ns, "conntrack", "-L", "--mark", "153"));
            Assert.Equal(["1", "0"], await GuestConsole.RunAsync(hv, 152, "ip link set eth1 up; cat /sys/class/net/eth0/carrier /sys/class/net/eth1/carrier"));

            await hv.StopAsync(153);
            Assert.DoesNotContain("am_fw_tap153i0", await NodeNetworks.Run("ip", "netns", "exec", _ns, "nft", "list", "tables"));
            await hv.StopAsync(152);
        }
        finally
        {
            await NodeNetworks.DeleteAsync(_ns);
        }
    }
}

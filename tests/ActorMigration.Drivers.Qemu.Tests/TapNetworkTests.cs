using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>Tap NICs on a Linux bridge inside the node's own network namespace (the host's namespace is never touched).</summary>
public sealed class TapNetworkTests(ITestOutputHelper output)
{
    private readonly string _ns = $"amnet-{Environment.ProcessId}-a";
    private readonly string _ns1 = $"amnet-{Environment.ProcessId}-m1";
    private readonly string _ns2 = $"amnet-{Environment.ProcessId}-m2";

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

    /// <summary>A VM with a tap NIC live-migrates between two node namespaces whose bridges are linked: its tap is plugged on the target.</summary>
    [Fact]
    public async Task Vm_keeps_its_network_after_live_migration_to_the_other_node_namespace()
    {
        await using var env = await TestEnv.CreateAsync(output);
        try
        {
            await NodeNetworks.CreateAsync(_ns1, "10.98.0.1");
            await NodeNetworks.CreateAsync(_ns2, "10.98.0.2");
            await NodeNetworks.LinkBridgesAsync(_ns1, _ns2);
            var n1 = env.Reopen(env.SettingsFor("tapm1") with { VmNetns = _ns1 });
            var n2 = env.Reopen(env.SettingsFor("tapm2") with { VmNetns = _ns2 });

            var spec = Specs.Guest(160, "src", nics: [new NicLaunch("net0", "virtio", "BC:24:11:00:01:60", "vmbr0")]);
            var src = await n1.Hypervisor.StartAsync(spec);
            await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, 160, 3);
            await GuestConsole.RunAsync(n1.Qemu, 160, "ip link set eth0 up; ip addr add 10.98.0.10/24 dev eth0");
            Assert.Contains("ping-ok", await GuestConsole.RunAsync(n1.Qemu, 160, "ping -c 2 -W 2 10.98.0.2 >/dev/null && echo ping-ok"));

            // The migration stream goes over the linked bridges: the target listens on its node's bridge address.
            var dst = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst") with { Incoming = new IncomingSpec("10.98.0.2", []) });
            Assert.Contains("tap160i0", await NodeNetworks.Run("ip", "-n", _ns2, "-o", "link", "show", "master", "vmbr0"));
            await n1.Hypervisor.StartMigrationAsync(160, new MigrationStartSpec(dst.IncomingUri!, null, 100, true));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            MigrationProgress p;
            while (!(p = await n1.Hypervisor.QueryMigrationAsync(160)).IsFinal && DateTime.UtcNow < deadline) await Task.Delay(200);
            Assert.Equal(MigrationState.Completed, p.Status);
            await n2.Hypervisor.ResumeAsync(160);
            await n1.Hypervisor.StopAsync(160);

            Assert.Contains("ping-ok", await GuestConsole.RunAsync(n2.Qemu, 160, "ping -c 2 -W 2 10.98.0.1 >/dev/null && echo ping-ok"));
            await n2.Hypervisor.StopAsync(160);
        }
        finally
        {
            await NodeNetworks.DeleteAsync(_ns1, _ns2);
        }
    }
}

using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>A VM with a tap NIC live-migrates between two node namespaces whose bridges are linked: its tap is plugged on the target.</summary>
public sealed class TapMigrationTests(ITestOutputHelper output)
{
    private readonly string _ns1 = $"amnet-{Environment.ProcessId}-m1";
    private readonly string _ns2 = $"amnet-{Environment.ProcessId}-m2";

    private static async Task<string> Run(params string[] argv)
    {
        var (exit, o, e) = await QemuHost.Run(argv[0], argv[1..]);
        if (exit != 0) throw new InvalidOperationException($"{string.Join(' ', argv)}: exit {exit}: {e}{o}");
        return o;
    }

    private async Task NodeNamespaceAsync(string ns, string address)
    {
        await Run("ip", "netns", "add", ns);
        await Run("ip", "-n", ns, "link", "set", "lo", "up");
        await Run("ip", "-n", ns, "link", "add", "vmbr0", "type", "bridge");
        await Run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "vmbr0");
        await Run("ip", "-n", ns, "link", "set", "vmbr0", "up");
    }

    [Fact]
    public async Task Vm_keeps_its_network_after_live_migration_to_the_other_node_namespace()
    {
        await using var env = await TestEnv.CreateAsync(output);
        try
        {
            await NodeNamespaceAsync(_ns1, "10.98.0.1");
            await NodeNamespaceAsync(_ns2, "10.98.0.2");
            await Run("ip", "-n", _ns1, "link", "add", "amv1", "type", "veth", "peer", "name", "amv2", "netns", _ns2);
            await Run("ip", "-n", _ns1, "link", "set", "amv1", "master", "vmbr0", "up");
            await Run("ip", "-n", _ns2, "link", "set", "amv2", "master", "vmbr0", "up");
            var n1 = env.Reopen(env.SettingsFor("tapm1") with { VmNetns = _ns1 });
            var n2 = env.Reopen(env.SettingsFor("tapm2") with { VmNetns = _ns2 });

            var spec = Specs.Guest(160, "src", nics: [new NicLaunch("net0", "virtio", "BC:24:11:00:01:60", "vmbr0")]);
            var src = await n1.Hypervisor.StartAsync(spec);
            await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, 160, 3);
            await GuestConsole.RunAsync(n1.Qemu, 160, "ip link set eth0 up; ip addr add 10.98.0.10/24 dev eth0");
            Assert.Contains("ping-ok", await GuestConsole.RunAsync(n1.Qemu, 160, "ping -c 2 -W 2 10.98.0.2 >/dev/null && echo ping-ok"));

            // The migration stream goes over the linked bridges: the target listens on its node's bridge address.
            var dst = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst") with { Incoming = new IncomingSpec("10.98.0.2", []) });
            Assert.Contains("tap160i0", await Run("ip", "-n", _ns2, "-o", "link", "show", "master", "vmbr0"));
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
            await QemuHost.Run("ip", "netns", "del", _ns1);
            await QemuHost.Run("ip", "netns", "del", _ns2);
        }
    }
}

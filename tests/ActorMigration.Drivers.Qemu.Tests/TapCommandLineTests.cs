using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>NICs with a bridge are taps named as Proxmox names them, on nodes with a VM network namespace only.</summary>
public sealed class TapCommandLineTests
{
    private static readonly VmLaunchSpec Spec = new(300, "x", 256, 1, 1, null, null, null, [],
        [new NicLaunch("net0", "virtio", "BC:24:11:00:03:00", "vmbr0", Mtu: 1400), new NicLaunch("net1", "e1000", null)]);

    private static List<string> Build(bool taps, List<string> warnings) =>
        QemuCommandLine.Build(new LaunchPlan(Spec, new VmRunFiles("/run/am", 300), "pc-i440fx-7.2", "tcg", null, new QemuDriverOptions(), TapNics: taps),
            warnings);

    private static string[] Values(List<string> args, string flag) => args.Where((a, i) => i > 0 && args[i - 1] == flag).ToArray();

    [Fact]
    public void Bridged_nic_is_a_tap_and_a_nic_without_bridge_stays_user_mode()
    {
        var warnings = new List<string>();
        var a = Build(taps: true, warnings);
        Assert.Equal(["tap,id=net0,ifname=tap300i0,script=no,downscript=no", "user,id=net1,restrict=on"], Values(a, "-netdev"));
        Assert.Contains("virtio-net-pci,netdev=net0,mac=BC:24:11:00:03:00,host_mtu=1400,id=net0", Values(a, "-device"));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Without_a_vm_namespace_the_bridge_is_ignored_with_a_warning()
    {
        var warnings = new List<string>();
        var a = Build(taps: false, warnings);
        Assert.Equal(["user,id=net0,restrict=on", "user,id=net1,restrict=on"], Values(a, "-netdev"));
        Assert.Contains("virtio-net-pci,netdev=net0,mac=BC:24:11:00:03:00,id=net0", Values(a, "-device"));
        Assert.Equal(["net0: bridge 'vmbr0' ignored: the node has no VM network namespace (user-mode NIC)"], warnings);
    }
}

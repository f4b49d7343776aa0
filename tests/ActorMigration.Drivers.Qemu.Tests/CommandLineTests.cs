using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>The generated QEMU argument list (no process is started here).</summary>
public sealed class CommandLineTests
{
    private static readonly QemuDriverOptions Options = new()
    {
        GuestKernel = "/g/vmlinuz", GuestInitrd = "/g/initramfs.cpio.gz", GuestCmdline = "console=ttyS0", ExtraKernelArgs = "am.dirty=1"
    };

    private static List<string> Build(VmLaunchSpec spec, string? incoming = null, QemuDriverOptions? options = null) =>
        QemuCommandLine.Build(new LaunchPlan(spec, new VmRunFiles("/run/am", spec.VmId), "pc-i440fx-7.2", "tcg", incoming, options ?? Options),
            new List<string>());

    private static string After(List<string> args, string flag, string startsWith) =>
        args.Where((a, i) => i > 0 && args[i - 1] == flag && a.StartsWith(startsWith, StringComparison.Ordinal)).Single();

    [Fact]
    public void Spec_maps_to_machine_memory_smp_disks_nics_vmgenid_and_kernel()
    {
        var spec = new VmLaunchSpec(200, "web,1", 1024, 2, 2, null, "11111111-2222-3333-4444-555555555555",
            "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            [
                new DiskLaunch("scsi0", "scsi", 0, "/s/vm-200-disk-0.qcow2", "qcow2", false, false, 1),
                new DiskLaunch("virtio1", "virtio", 1, "/s/vm-200-disk-1.raw", "raw", false, false, 1),
                new DiskLaunch("ide2", "ide", 2, null, "raw", true, true, 0),
                new DiskLaunch("sata0", "sata", 0, "/s/base.qcow2", "qcow2", true, false, 1)
            ],
            [new NicLaunch("net0", "virtio", "BC:24:11:AA:BB:CC"), new NicLaunch("net1", "e1000", "BC:24:11:AA:BB:CD")]);
        var a = Build(spec);

        Assert.Equal("web,,1", After(a, "-name", "web"));
        Assert.Equal("type=pc-i440fx-7.2,accel=tcg", After(a, "-machine", "type="));
        Assert.Equal("1024", After(a, "-m", ""));
        Assert.Equal("4,sockets=2,cores=2,maxcpus=4", After(a, "-smp", ""));
        Assert.Contains("-daemonize", a);
        Assert.Equal("/run/am/qemu/200/qemu.pid", After(a, "-pidfile", ""));
        Assert.Equal("unix:/run/am/qemu/200/qmp.sock,server=on,wait=off", After(a, "-qmp", ""));
        Assert.Contains("logfile=/run/am/qemu/200/serial.log", After(a, "-chardev", "socket,id=serial0"));
        Assert.Equal("vmgenid,guid=11111111-2222-3333-4444-555555555555,id=vmgenid0", After(a, "-device", "vmgenid"));
        Assert.Equal("type=1,uuid=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", After(a, "-smbios", ""));
        Assert.Equal("/g/vmlinuz", After(a, "-kernel", ""));
        Assert.Equal("console=ttyS0 am.dirty=1", After(a, "-append", ""));

        Assert.Equal("""{"driver":"qcow2","node-name":"drive-scsi0","read-only":false,"""
            + "\"file\":{\"driver\":\"file\",\"filename\":\"/s/vm-200-disk-0.qcow2\",\"read-only\":false}}",
            After(a, "-blockdev", "{\"driver\":\"qcow2\",\"node-name\":\"drive-scsi0\""));
        Assert.Contains("\"read-only\":true", After(a, "-blockdev", "{\"driver\":\"qcow2\",\"node-name\":\"drive-sata0\""));
        Assert.Equal("virtio-scsi-pci,id=scsihw0", After(a, "-device", "virtio-scsi-pci"));
        Assert.Equal("scsi-hd,bus=scsihw0.0,channel=0,scsi-id=0,lun=0,drive=drive-scsi0,id=scsi0", After(a, "-device", "scsi-hd"));
        Assert.Equal("virtio-blk-pci,drive=drive-virtio1,id=virtio1", After(a, "-device", "virtio-blk-pci"));
        Assert.Equal("ide-cd,bus=ide.1,unit=0,id=ide2", After(a, "-device", "ide-cd"));
        Assert.Equal("ide-hd,bus=ahci0.0,drive=drive-sata0,id=sata0", After(a, "-device", "ide-hd"));
        Assert.Equal("virtio-net-pci,netdev=net0,mac=BC:24:11:AA:BB:CC,id=net0", After(a, "-device", "virtio-net-pci"));
        Assert.Equal("e1000,netdev=net1,mac=BC:24:11:AA:BB:CD,id=net1", After(a, "-device", "e1000"));
        Assert.Equal("user,id=net0,restrict=on", After(a, "-netdev", "user,id=net0"));
        Assert.DoesNotContain("-incoming", a);
        Assert.DoesNotContain("-S", a);
    }

    [Fact]
    public void A_nic_without_a_mac_gets_no_mac_argument()
    {
        // qemu-server's print_netdevice_full adds mac= only if the config has one; QEMU then picks its default.
        var spec = new VmLaunchSpec(202, "x", 256, 1, 1, null, null, null, [], [new NicLaunch("net0", "virtio", null)]);
        Assert.Equal("virtio-net-pci,netdev=net0,id=net0", After(Build(spec), "-device", "virtio-net-pci"));
    }

    [Fact]
    public void Incoming_args_and_own_kernel()
    {
        var spec = new VmLaunchSpec(201, "x", 256, 1, 1, "pc-i440fx-7.2", null, null, [], [],
            Args: "-kernel /other/bzImage -append 'console=ttyS0 root=/dev/vda'");
        var a = Build(spec, "tcp:127.0.0.1:61001");
        Assert.Equal("tcp:127.0.0.1:61001", After(a, "-incoming", ""));
        Assert.Contains("-S", a);
        Assert.Equal(["/other/bzImage"], a.Where((x, i) => i > 0 && a[i - 1] == "-kernel"));
        Assert.Equal("console=ttyS0 root=/dev/vda", After(a, "-append", ""));
        Assert.DoesNotContain("-initrd", a);
    }

    [Theory]
    [InlineData(null, "pc")]
    [InlineData("pc-i440fx-7.2+pve0", "pc-i440fx-7.2")]
    [InlineData("type=q35,viommu=virtio", "q35")]
    [InlineData("pc-q35-7.1", "pc-q35-7.1")]
    public void Machine_names_are_normalized(string? input, string expected) =>
        Assert.Equal(expected, MachineTypes.Normalize(input));

    [Fact]
    public async Task Machine_aliases_are_pinned_to_versioned_types()
    {
        Assert.Equal("pc-i440fx-7.2", await MachineTypes.ResolveAsync("qemu-system-x86_64", null));
        Assert.StartsWith("pc-q35-7.", await MachineTypes.ResolveAsync("qemu-system-x86_64", "q35"));
        Assert.Equal("pc-i440fx-7.1", await MachineTypes.ResolveAsync("qemu-system-x86_64", "pc-i440fx-7.1+pve0"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => MachineTypes.ResolveAsync("qemu-system-x86_64", "pc-i440fx-99.0"));
    }

    [Fact]
    public void Args_split_like_a_shell() =>
        Assert.Equal(["-a", "b c", "d\"e", "f g"], QemuCommandLine.SplitArgs("-a 'b c' d\\\"e \"f g\""));

    [Fact]
    public void Cpu_option_reaches_minus_cpu_and_unset_under_tcg_keeps_qemus_default()
    {
        var spec = new VmLaunchSpec(200, "c", 512, 1, 1, null, null, null, [], [], Cpu: "Westmere,flags=+aes", OsType: "l26");
        Assert.Equal("Westmere,+aes,vendor=GenuineIntel", After(Build(spec), "-cpu", ""));
        Assert.DoesNotContain("-cpu", Build(spec with { Cpu = null }));
    }

    [Fact]
    public void A_qcow2_cloud_init_cdrom_is_opened_as_qcow2()
    {
        var spec = new VmLaunchSpec(200, "c", 512, 1, 1, null, null, null,
            [new DiskLaunch("ide2", "ide", 2, "/s/vm-200-cloudinit.qcow2", "qcow2", true, true, 4194304)], []);
        Assert.Contains("\"driver\":\"qcow2\"", After(Build(spec), "-blockdev", "{"));
    }
}

using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Tests.Config;

/// <summary>Which device gets which <c>bootindex</c> (qemu-server's device_bootorder and bootorder_from_legacy).</summary>
public class BootIndexTests
{
    private static QmSection Vm(params (string Key, string Value)[] extra)
    {
        var c = new QmSection
        {
            ["ide2"] = "local:iso/debian.iso,media=cdrom",
            ["scsi0"] = "local:100/vm-100-disk-0.raw,size=64M",
            ["scsi1"] = "local:100/vm-100-disk-1.raw,size=1G",
            ["virtio0"] = "local:100/vm-100-disk-2.raw,size=1G",
            ["net0"] = "virtio=BC:24:11:00:00:01,bridge=vmbr0",
            ["net1"] = "e1000=BC:24:11:00:00:02,bridge=vmbr0",
        };
        foreach (var (k, v) in extra) c[k] = v;
        return c;
    }

    private static string Show(IReadOnlyDictionary<string, int> m) => string.Join(' ', m.OrderBy(x => x.Value).Select(x => $"{x.Key}={x.Value}"));

    [Theory]
    [InlineData("order=scsi0;ide2;net0", "scsi0=100 ide2=101 net0=102")]
    [InlineData("order=net1;virtio0", "net1=100 virtio0=101")]
    [InlineData("order=scsi1 ide2", "scsi1=100 ide2=101")]
    [InlineData("order=", "")]
    [InlineData("", "")]
    public void Order_counts_from_100_in_the_given_order(string boot, string expected) =>
        Assert.Equal(expected, Show(BootOrder.DeviceIndexes(Vm(("boot", boot)))));

    [Fact]
    public void Devices_in_the_order_that_the_vm_lacks_are_listed_but_match_nothing() =>
        Assert.Equal("scsi7=100 scsi0=101", Show(BootOrder.DeviceIndexes(Vm(("boot", "order=scsi7;scsi0")))));

    [Theory]
    // No boot key: the legacy default "cdn". Disks count in foreach_volume order (ide, sata, scsi, virtio) but only
    // bootdisk gets its index; cdroms and NICs all get theirs.
    [InlineData(null, null, "ide2=200 net0=300 net1=301")]
    [InlineData(null, "scsi1", "scsi1=101 ide2=200 net0=300 net1=301")]
    [InlineData("dc", "virtio0", "ide2=100 virtio0=202")]
    [InlineData("n", "scsi0", "net0=100 net1=101")]
    [InlineData("cdn,order=net0", "scsi0", "scsi0=100 ide2=200 net0=300 net1=301")]
    public void Legacy_letters_and_bootdisk_as_bootorder_from_legacy(string? boot, string? bootdisk, string expected)
    {
        var c = Vm();
        if (boot is not null) c["boot"] = boot;
        if (bootdisk is not null) c["bootdisk"] = bootdisk;
        Assert.Equal(expected, Show(BootOrder.DeviceIndexes(c)));
    }

    [Fact]
    public void A_cloud_init_drive_counts_as_a_disk_not_a_cdrom()
    {
        var c = Vm(("ide0", "local:100/vm-100-cloudinit.qcow2,media=cdrom"), ("bootdisk", "ide0"));
        Assert.Equal("ide0=100 ide2=200 net0=300 net1=301", Show(BootOrder.DeviceIndexes(c)));
    }

    [Fact]
    public void The_launch_spec_carries_the_indexes()
    {
        var cfg = new QmConfig();
        foreach (var (k, v) in Vm(("boot", "order=virtio0;net1")).Values) cfg.Main[k] = v;
        var spec = VmLaunchSpec.FromConfig(100, cfg, _ => ("/x", "raw", 1));
        Assert.Equal(100, spec.BootIndex("virtio0"));
        Assert.Equal(101, spec.BootIndex("net1"));
        Assert.Null(spec.BootIndex("scsi0"));
    }
}

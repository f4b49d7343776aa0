using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Hypervisor;

/// <summary><c>arch</c> and host block devices (<c>ide2: /dev/sde</c>) in a VM's config.</summary>
public sealed class HostDeviceAndArchTests
{
    private static (string, string, long) Resolve(string volid) => ("/s/" + volid, "raw", 1);

    [Fact]
    public void An_aarch64_vm_is_refused_at_start_with_a_clear_reason()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            VmLaunchSpec.FromConfig(100, QmConfig.Parse("arch: aarch64\nmemory: 512\n"), Resolve));
        Assert.Equal("arch 'aarch64' is not supported: this engine runs x86_64 guests only (qemu-system-x86_64)", e.Message);
        Assert.Null(VmArch.StartError(QmConfig.Parse("arch: x86_64\n").Main));
        Assert.NotNull(VmLaunchSpec.FromConfig(100, QmConfig.Parse("arch: x86_64\n"), Resolve));
    }

    [Fact]
    public void A_host_block_device_is_attached_by_its_path()
    {
        var spec = VmLaunchSpec.FromConfig(100, QmConfig.Parse("ide2: /dev/sde,media=cdrom\nscsi1: /dev/disk/by-id/ata-X\n"), Resolve);
        Assert.Equal(
        [
            new DiskLaunch("ide2", "ide", 2, "/dev/sde", "raw", true, true, 0),
            new DiskLaunch("scsi1", "scsi", 1, "/dev/disk/by-id/ata-X", "raw", false, false, 0),
        ], spec.Disks);
    }

    [Fact]
    public void A_cloud_init_cdrom_has_its_names_format_and_any_other_cdrom_is_raw()
    {
        var spec = VmLaunchSpec.FromConfig(100, QmConfig.Parse(
            "ide2: local:100/vm-100-cloudinit.qcow2,media=cdrom\nide0: local:iso/x.iso,media=cdrom\n"), _ => ("/p", "qcow2", 1));
        Assert.Equal([("ide0", "raw"), ("ide2", "qcow2")], spec.Disks.Select(d => (d.Drive, d.Format)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_host_block_device_blocks_migration_online_and_offline(bool running)
    {
        var (plan, error, _) = MigrationChecks.Prepare(Request(online: running, withLocalDisks: true),
            Facts(SharedConfig + "scsi1: /dev/disk/by-id/ata-X,size=10G\n", running: running), Upid);
        Assert.Null(plan);
        Assert.Equal("can't migrate local file/device '/dev/disk/by-id/ata-X'", error);
    }

    [Fact]
    public void Host_paths_of_snapshots_count_too()
    {
        var cfg = QmConfig.Parse("parent: s1\nscsi0: local:100/vm-100-disk-0.qcow2\n\n[s1]\nide2: /dev/sde,media=cdrom\nsnaptime: 1\n");
        Assert.Equal(["/dev/sde"], MigrationChecks.LocalFiles(cfg));
        Assert.Empty(MigrationChecks.LocalFiles(QmConfig.Parse(SharedConfig)));
    }
}

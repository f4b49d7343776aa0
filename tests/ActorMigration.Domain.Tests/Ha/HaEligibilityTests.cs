using ActorMigration.Domain.Config;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>The shared-storage rule: every disk volume (cloud-init, EFI and TPM state included) must be on shared storage.</summary>
public sealed class HaEligibilityTests
{
    private static readonly StorageConfig Storage = StorageConfig.Parse(
        "dir: local\n\tpath /var/lib/vz\n\tcontent iso,images\n\n" +
        "dir: nfs\n\tpath /mnt/pve/nfs\n\tcontent images,iso\n\tshared 1\n");

    private static string? Refusal(string config) => HaEligibility.Refusal(100, QmConfig.Parse(config).Main, Storage);

    [Fact]
    public void A_vm_whose_disks_are_all_shared_may_be_ha_managed_iso_images_and_unused_volumes_do_not_count()
    {
        Assert.Null(Refusal("scsi0: nfs:100/vm-100-disk-0.qcow2,size=4G\nefidisk0: nfs:100/vm-100-disk-1.raw,size=1M\n" +
            "ide2: local:iso/debian.iso,media=cdrom\nide0: none,media=cdrom\nunused0: local:100/vm-100-disk-9.qcow2\n" +
            "ide3: nfs:100/vm-100-cloudinit.qcow2,media=cdrom\n"));
        // At create: allocation requests and cloud-init requests name their storage.
        Assert.Null(Refusal("scsi0: nfs:4\nide2: nfs:cloudinit\n"));
    }

    [Theory]
    [InlineData("scsi0: local:100/vm-100-disk-0.qcow2,size=4G\n", "disk scsi0 is on storage 'local', which is not shared")]
    [InlineData("scsi0: nfs:4\nvirtio1: local:8\n", "disk virtio1 is on storage 'local', which is not shared")]
    [InlineData("scsi0: nfs:4\nide2: local:cloudinit\n", "disk ide2 is on storage 'local', which is not shared")]
    [InlineData("scsi0: nfs:4\nide2: local:100/vm-100-cloudinit.qcow2,media=cdrom\n", "disk ide2 is on storage 'local', which is not shared")]
    [InlineData("scsi0: nfs:4\ntpmstate0: local:100/vm-100-disk-1.raw,size=4M\n", "disk tpmstate0 is on storage 'local', which is not shared")]
    [InlineData("scsi0: nfs:4\nefidisk0: local:1\n", "disk efidisk0 is on storage 'local', which is not shared")]
    [InlineData("scsi0: gone:100/vm-100-disk-0.raw\n", "disk scsi0 is on storage 'gone', which is not shared")]
    [InlineData("scsi0: /dev/sdb\n", "disk scsi0 (/dev/sdb) is not on a shared storage")]
    public void A_vm_with_a_disk_off_shared_storage_is_refused_naming_disk_and_storage(string config, string why)
    {
        Assert.Equal($"VM 100 cannot be HA-managed: {why}", Refusal(config));
    }
}

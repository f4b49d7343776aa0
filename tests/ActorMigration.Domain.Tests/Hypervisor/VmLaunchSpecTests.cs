using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Tests.Support;

namespace ActorMigration.Domain.Tests.Hypervisor;

public class VmLaunchSpecTests
{
    private static (string Path, string Format, long Size) Resolve(string volid)
    {
        var v = Domain.Storage.VolumeName.Parse(volid);
        return ($"/var/lib/vz/{v.RelativePath}", v.Format, 1000 + v.Name.Length);
    }

    [Fact]
    public void Windows_vm_with_efi_tpm_cdrom_and_unused_disk()
    {
        var spec = VmLaunchSpec.FromConfig(105, QmConfig.Parse(QmFixtures.Text("105-windows-efi-tpm.conf")), Resolve);
        Assert.Equal(("win2022-gpu", 16384L, 8, 1), (spec.Name, spec.MemoryMiB, spec.Cores, spec.Sockets));
        Assert.Equal("pc-q35-8.1", spec.Machine);
        Assert.Equal("ovmf", spec.Bios);
        Assert.Equal("7e6d5c4b-3a29-4817-b6f5-e4d3c2b1a098", spec.VmGenId);
        Assert.Equal("3c2b1a09-8f7e-4d6c-9b5a-493827160f5e", spec.SmbiosUuid);
        Assert.Equal("-cpu host,hv_time,kvm=off  -smbios type=0,vendor=LENOVO", spec.Args);
        Assert.Equal(
        [
            new DiskLaunch("ide0", "ide", 0, "/var/lib/vz/template/iso/virtio-win-0.1.262.iso", "raw", true, true, 1000 + "virtio-win-0.1.262.iso".Length),
            new DiskLaunch("sata0", "sata", 0, "/var/lib/vz/images/105/vm-105-disk-1.qcow2", "qcow2", false, false, 1000 + "vm-105-disk-1.qcow2".Length),
            // The EFI vars and TPM state volumes belong to the running VM too (pflash, swtpm; mirrored or copied in a migration).
            new DiskLaunch("efidisk0", "efidisk", 0, "/var/lib/vz/images/105/vm-105-disk-0.qcow2", "qcow2", false, false, 1000 + "vm-105-disk-0.qcow2".Length),
            new DiskLaunch("tpmstate0", "tpmstate", 0, "/var/lib/vz/images/105/vm-105-disk-2.raw", "raw", false, false, 1000 + "vm-105-disk-2.raw".Length),
        ], spec.Disks);
        Assert.Equal("v2.0", spec.TpmVersion);
        Assert.Equal([new NicLaunch("net0", "e1000e", "BC:24:11:C0:FF:EE", "vmbr0")], spec.Nics);
        Assert.Null(spec.Incoming);
    }

    [Fact]
    public void Empty_cdrom_is_a_drive_without_medium_and_pending_changes_are_not_applied()
    {
        var spec = VmLaunchSpec.FromConfig(102, QmConfig.Parse(QmFixtures.Text("102-pending.conf")), Resolve);
        Assert.Equal(2, spec.Cores);
        Assert.Equal(4096, spec.MemoryMiB);
        Assert.Equal(["ide2", "scsi0", "scsi1"], spec.Disks.Select(d => d.Drive));
        Assert.Equal(new DiskLaunch("ide2", "ide", 2, null, "raw", true, true, 0), spec.Disks[0]);
        Assert.Equal(["net0", "net1"], spec.Nics.Select(n => n.Name));
        Assert.Equal(["virtio", "e1000"], spec.Nics.Select(n => n.Model));
    }

    [Fact]
    public void Template_disks_are_read_only_and_defaults_apply()
    {
        var spec = VmLaunchSpec.FromConfig(9000, QmConfig.Parse(QmFixtures.Text("9000-template.conf")), Resolve);
        Assert.True(Assert.Single(spec.Disks).ReadOnly);

        var bare = VmLaunchSpec.FromConfig(7, QmConfig.Parse("net10: virtio,bridge=vmbr0\nnet2: virtio=BC:24:11:00:00:02\nvmgenid: 0\n"), Resolve);
        Assert.Equal(("VM 7", 512L, 1, 1), (bare.Name, bare.MemoryMiB, bare.Cores, bare.Sockets));
        Assert.Null(bare.VmGenId);
        Assert.Null(bare.SmbiosUuid);
        Assert.Empty(bare.Disks);
        Assert.Equal(["net2", "net10"], bare.Nics.Select(n => n.Name));
        // A NIC stored without a MAC (an old record) starts without one, as in qemu-server: QEMU picks its default,
        // and no new random MAC is made at each start.
        Assert.Equal("BC:24:11:00:00:02", bare.Nics[0].Mac);
        Assert.Null(bare.Nics[1].Mac);
    }

    [Fact]
    public void Runtime_helpers()
    {
        Assert.False(new VmRuntime(1, VmRunState.Stopped).IsAlive);
        Assert.True(new VmRuntime(1, VmRunState.Paused).IsAlive);
        Assert.Equal("finish-migrate", new VmRuntime(1, VmRunState.FinishMigrate).QmpStatus);
        Assert.Equal("inmigrate", new VmRuntime(1, VmRunState.InMigrate).QmpStatus);
        Assert.True(new MigrationProgress(MigrationState.Cancelled).IsFinal);
        Assert.False(new MigrationProgress(MigrationState.Cancelling).IsFinal);
        Assert.Equal(2560 * 4096.0, new MigrationProgress(MigrationState.Active, DirtyPagesRate: 2560).DirtyBytesPerSec);
    }
}

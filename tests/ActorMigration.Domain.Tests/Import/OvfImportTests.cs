using ActorMigration.Domain.Config;
using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

public class OvfImportTests
{
    private static ImportMetadata Win2008() =>
        OvfParser.Parse(Fixtures.Text("ovf", "Win_2008_R2_two-disks.ovf"), "local:import/Win_2008_R2_two-disks.ovf", _ => true);

    [Fact]
    public void Ovf_becomes_qm_create_parameters()
    {
        var p = OvfImport.CreateParams(Win2008(), 120, "local-lvm");
        Assert.Equal(
        [
            new("vmid", "120"),
            new("name", "Win2008-R2x64"),
            new("cores", "1"),
            new("memory", "2048"),
            new("ostype", "win7"),
            new("boot", "order=scsi0;scsi1"),
            new("scsi0", "local-lvm:0,import-from=local:import/disk1.vmdk"),
            new("scsi1", "local-lvm:0,import-from=local:import/disk2.vmdk"),
            new KeyValuePair<string, string>("net0", "e1000,bridge=vmbr0"),
        ], p.ToList());
    }

    [Fact]
    public void Format_bridge_working_storage_and_live_restore()
    {
        var meta = OvfParser.Parse(Fixtures.Text("ovf", "Win10-Liz.ovf"), "local:import/w.ova", _ => true);
        var p = OvfImport.CreateParams(meta, 101, "tank", bridge: "vmbr1", format: "qcow2", importWorkingStorage: "local", liveRestore: true);
        Assert.Equal("tank:0,import-from=local:import/w.ova/Win10-Liz-disk1.vmdk,format=qcow2", p["scsi0"]);
        Assert.Equal("e1000e,bridge=vmbr1", p["net0"]);
        Assert.Equal("local", p["import-working-storage"]);
        Assert.Equal("1", p["live-restore"]);
        Assert.False(p.ContainsKey("efidisk0"));
    }

    [Fact]
    public void Efi_guests_get_an_efi_disk()
    {
        var meta = OvfParser.Parse(Fixtures.Text("ovf", "Win10-Liz_no_default_ns.ovf"), "local:import/w.ovf", _ => true);
        var p = OvfImport.CreateParams(meta, 101, "local-lvm");
        Assert.Equal("ovmf", p["bios"]);
        Assert.Equal("local-lvm:1,efitype=4m", p["efidisk0"]);
    }

    [Fact]
    public void Vmx_macs_cdroms_and_serials_are_passed_on()
    {
        var store = FixtureStorage.Vmx();
        var meta = VmxParser.Parse(store.Text("win2022-efi/win2022-efi.vmx"), "local:import/win2022-efi/win2022-efi.vmx", store.Exists);
        var p = OvfImport.CreateParams(meta, 200, "local");
        Assert.Equal("vmxnet3=00:50:56:A1:3C:7E,bridge=vmbr0", p["net0"]);
        Assert.Equal("00:50:56:3F:1A:2B", NetSpec.Parse(p["net1"]).Mac);
        Assert.Equal("none,media=cdrom", p["sata0"]);
        Assert.Equal("local:0,import-from=local:import/win2022-efi/win2022-efi_1.vmdk", p["scsi1"]);
        Assert.Equal("pvscsi", p["scsihw"]);
        Assert.Equal("local:1,efitype=4m", p["efidisk0"]);
        Assert.All(p.Keys.Where(Drives.IsDriveKey).Where(k => k != "efidisk0"),
            k => Assert.True(DriveSpec.Parse(p[k]).IsAllocation(out _, out _) || DriveSpec.Parse(p[k]).IsNone));
    }

    [Theory]
    [InlineData(99, "local", "vmbr0", null)]
    [InlineData(100, "Bad Storage", "vmbr0", null)]
    [InlineData(100, "local", "vmbr0,tag=5", null)]
    [InlineData(100, "local", "vmbr0", "vdi")]
    public void Bad_arguments_are_refused(int vmid, string storage, string bridge, string? format)
    {
        Assert.ThrowsAny<ArgumentException>(() => OvfImport.CreateParams(Win2008(), vmid, storage, bridge, format));
    }
}

using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

/// <summary>ESXi-style directories under tests/fixtures/vmx.</summary>
public class VmxFixtureTests
{
    private static (ImportMetadata Meta, FixtureStorage Store) Parse(string vmx, bool running = false)
    {
        var store = FixtureStorage.Vmx();
        var meta = VmxParser.Parse(store.Text(vmx), $"local:import/{vmx}", store.Exists, store.VirtualSize, running);
        return (meta, store);
    }

    [Fact]
    public void Esxi8_windows_efi_with_scsi_nvme_cdrom_and_two_nics()
    {
        var (m, _) = Parse("win2022-efi/win2022-efi.vmx");

        Assert.Equal("vm", m.Type);
        Assert.Equal("esxi", m.Source);
        Assert.Equal("WIN-2022-DC01", m["name"]);
        Assert.Equal("win11", m["ostype"]);
        Assert.Equal("4", m["cores"]);
        Assert.Equal("2", m["sockets"]);
        Assert.Equal("16384", m["memory"]);
        Assert.Equal("ovmf", m["bios"]);
        Assert.True(m.EfiDisk);
        // lsisas1068 cannot boot with OVMF: a Windows guest gets pvscsi
        Assert.Equal("pvscsi", m["scsihw"]);
        Assert.Equal("uuid=42217c4e-5d9a-0b3f-8e61-2a4c7d90b1c3", m["smbios1"]);

        // cdrom first (sata), then the SCSI disk, then the NVMe disk as the next SCSI disk
        Assert.Equal("none,media=cdrom", m["sata0"]);
        Assert.Equal("order=sata0;scsi0;scsi1", m["boot"]);
        Assert.Equal(["scsi0", "scsi1"], m.Disks.Keys);
        Assert.Equal(new ImportDisk("local:import/win2022-efi/win2022-efi.vmdk", 80L << 30, "vmdk", "win2022-efi.vmdk"), m.Disks["scsi0"]);
        Assert.Equal(new ImportDisk("local:import/win2022-efi/win2022-efi_1.vmdk", 20L << 30, "vmdk", "win2022-efi_1.vmdk"), m.Disks["scsi1"]);
        Assert.DoesNotContain(m.Disks.Values, d => d.Reference.Contains("_2")); // scsi0:1 is not present

        Assert.Equal(["net0", "net1"], m.Net.Keys);
        Assert.Equal(new ImportNet("vmxnet3", "00:50:56:A1:3C:7E"), m.Net["net0"]);
        Assert.Equal(new ImportNet("e1000e", "00:50:56:3F:1A:2B"), m.Net["net1"]);

        Assert.Equal(
        [
            new ImportWarning("efi-state-lost", "bios", "ovmf"),
            new ImportWarning("cdrom-image-ignored", "sata0", "/vmfs/volumes/64f1c2a3-9b8e7d6c-5a4b-3c2d1e0f9a8b/ISO/SERVER_EVAL_x64FRE_en-us.iso"),
            new ImportWarning("nvme-unsupported", "nvme0:0", "win2022-efi_1.vmdk"),
            new ImportWarning("ovmf-with-lsi-unsupported", "scsihw", "pvscsi"),
        ], m.Warnings);
    }

    [Fact]
    public void Esxi7_debian_bios_with_pvscsi_subdir_disk_host_cdrom_and_serial()
    {
        var (m, store) = Parse("debian11-bios/debian11-bios.vmx");

        Assert.Equal("debian-11-bullseyebuild", m["name"]);
        Assert.Equal("l26", m["ostype"]);
        Assert.Null(m["cores"]); // 1 core per socket is the default
        Assert.Equal("2", m["sockets"]);
        Assert.Equal("4096", m["memory"]);
        Assert.Equal("seabios", m["bios"]);
        Assert.False(m.EfiDisk);
        Assert.Equal("pvscsi", m["scsihw"]);
        Assert.Equal("uuid=564d2a9c-11e0-7f3b-904e-d2710caa5b8e", m["smbios1"]);

        Assert.Equal("none,media=cdrom", m["ide0"]);
        Assert.Equal("order=ide0;scsi0;scsi1", m["boot"]);
        Assert.Equal("local:import/debian11-bios/debian11-bios.vmdk", m.Disks["scsi0"].VolId);
        Assert.Equal(16L << 30, m.Disks["scsi0"].Size);
        Assert.Equal("local:import/debian11-bios/data/debian11-data.vmdk", m.Disks["scsi1"].VolId);
        Assert.Equal(100L << 30, m.Disks["scsi1"].Size);
        Assert.Equal(2, m.Disks.Count);
        Assert.DoesNotContain(store.Asked, v => v.Contains("debian11-old")); // not present, never looked up

        // ethernet1 is not present; ethernet2 keeps its number
        Assert.Equal(["net0", "net2"], m.Net.Keys);
        Assert.Equal(new ImportNet("e1000", "00:0C:29:5B:8E:01"), m.Net["net0"]); // vlance
        Assert.Equal(new ImportNet("vmxnet3", "00:0C:29:5B:8E:15"), m.Net["net2"]); // no virtualDev

        Assert.Equal("socket", m["serial0"]);
        Assert.Equal(
        [
            new ImportWarning("cdrom-image-ignored", "ide0", "CD/DVD drive 0"),
            new ImportWarning("serial-port-socket-only", "serial0", "file"),
        ], m.Warnings);
    }

    [Fact]
    public void Running_guest_is_flagged()
    {
        var (m, _) = Parse("debian11-bios/debian11-bios.vmx", running: true);
        Assert.Equal("guest-is-running", m.Warnings[^1].Type);
    }

    [Fact]
    public void Every_warning_type_is_a_known_proxmox_type()
    {
        var (a, _) = Parse("win2022-efi/win2022-efi.vmx", running: true);
        var (b, _) = Parse("debian11-bios/debian11-bios.vmx");
        Assert.All(a.Warnings.Concat(b.Warnings), w => Assert.Contains(w.Type, ImportWarningType.All));
    }

    [Fact]
    public void Missing_vmdk_in_the_directory_is_an_error()
    {
        var store = FixtureStorage.Vmx();
        var text = store.Text("win2022-efi/win2022-efi.vmx").Replace("\"win2022-efi_1.vmdk\"", "\"win2022-efi_9.vmdk\"");
        var e = Assert.Throws<ImportException>(() =>
            VmxParser.Parse(text, "local:import/win2022-efi/win2022-efi.vmx", store.Exists));
        Assert.Equal("disk nvme0:0: image file 'win2022-efi_9.vmdk' referenced by 'import/win2022-efi/win2022-efi.vmx' does not exist " +
            "(local:import/win2022-efi/win2022-efi_9.vmdk)", e.Message);
    }
}

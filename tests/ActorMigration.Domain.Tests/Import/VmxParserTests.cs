using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

/// <summary>One .vmx rule per test, on small hand-written configs.</summary>
public class VmxParserTests
{
    private const string Volid = "local:import/vm1/vm1.vmx";
    private readonly List<string> _asked = new();

    private bool Exists(string volid)
    {
        _asked.Add(volid);
        return true;
    }

    private ImportMetadata Parse(string vmx) => VmxParser.Parse(vmx, Volid, Exists);

    private ImportException Refused(string vmx) => Assert.Throws<ImportException>(() => Parse(vmx));

    private const string Disk = "scsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"vm1.vmdk\"\n";

    // --- cpu, memory, name, os ---

    [Theory]
    [InlineData("numvcpus = \"4\"\ncpuid.coresPerSocket = \"4\"", "4", null)]
    [InlineData("numvcpus = \"4\"\ncpuid.coresPerSocket = \"2\"", "2", "2")]
    [InlineData("numvcpus = \"4\"", null, "4")]
    [InlineData("cpuid.coresPerSocket = \"2\"", "2", null)]
    [InlineData("", null, null)]
    public void Cpu_maps_to_cores_and_sockets(string lines, string? cores, string? sockets)
    {
        var m = Parse(lines);
        Assert.Equal(cores, m["cores"]);
        Assert.Equal(sockets, m["sockets"]);
    }

    [Theory]
    [InlineData("numvcpus = \"6\"\ncpuid.coresPerSocket = \"4\"", "not a multiple")]
    [InlineData("numvcpus = \"0\"", "invalid numvcpus")]
    [InlineData("numvcpus = \"many\"", "'numvcpus' must be a whole number, got 'many'")]
    [InlineData("cpuid.coresPerSocket = \"0\"", "invalid cpuid.coresPerSocket")]
    public void Bad_cpu_values_are_errors(string lines, string message)
    {
        Assert.Contains(message, Refused(lines).Message);
    }

    [Fact]
    public void Memory_is_memSize_in_MiB()
    {
        Assert.Equal("3072", Parse("memsize = \"3072\"")["memory"]);
        Assert.Contains("'memSize' must be a whole number, got '2G'", Refused("memSize = \"2G\"").Message);
        Assert.Contains("invalid memSize", Refused("memSize = \"0\"").Message);
    }

    [Theory]
    [InlineData("web01", "web01")]
    [InlineData("My VM  2", "My-VM-2")]
    [InlineData("sql_srv (old).corp", "sqlsrv-old.corp")]
    [InlineData("--", null)]
    public void Display_name_becomes_a_dns_name(string raw, string? name)
    {
        Assert.Equal(name, Parse($"displayName = \"{raw}\"")["name"]);
    }

    [Theory]
    [InlineData("windows9-64", "win10")]
    [InlineData("windows9srv-64", "win10")]
    [InlineData("windows2019srv-64", "win10")]
    [InlineData("windows2019srvNext-64", "win11")]
    [InlineData("windows11-64", "win11")]
    [InlineData("windows7-64", "win7")]
    [InlineData("windows7srv-64", "w2k8")]
    [InlineData("windows8srv-64", "win8")]
    [InlineData("windows13-64", "other")]
    [InlineData("windows8Server-64", "win8")]
    [InlineData("winnetenterprise-64", "w2k3")]
    [InlineData("winLonghorn-64", "w2k8")]
    [InlineData("winVista", "wvista")]
    [InlineData("winXPPro", "wxp")]
    [InlineData("otherlinux-64", "l26")]
    [InlineData("other5xlinux-64", "l26")]
    [InlineData("debian12-64", "l26")]
    [InlineData("ubuntu-64", "l26")]
    [InlineData("rhel9-64", "l26")]
    [InlineData("solaris11-64", "solaris")]
    [InlineData("freebsd13-64", "other")]
    [InlineData("darwin21-64", "other")]
    [InlineData("other-64", "other")]
    public void Guest_os_maps_to_ostype(string guestOs, string ostype)
    {
        Assert.Equal(ostype, Parse($"guestOS = \"{guestOs}\"")["ostype"]);
    }

    [Fact]
    public void Without_guest_os_linux_is_assumed()
    {
        Assert.Equal("l26", Parse("")["ostype"]);
    }

    // --- firmware and SCSI hardware ---

    [Fact]
    public void Efi_firmware_gives_ovmf_an_efi_disk_and_a_warning()
    {
        var m = Parse("firmware = \"EFI\"\nguestOS = \"debian12-64\"");
        Assert.Equal("ovmf", m["bios"]);
        Assert.True(m.EfiDisk);
        Assert.Contains(new ImportWarning("efi-state-lost", "bios", "ovmf"), m.Warnings);
    }

    [Fact]
    public void Bios_firmware_gives_seabios()
    {
        var m = Parse("firmware = \"bios\"");
        Assert.Equal("seabios", m["bios"]);
        Assert.False(m.EfiDisk);
        Assert.Empty(m.Warnings);
    }

    [Theory]
    [InlineData("lsilogic", "debian12-64", false, "lsi", null)]
    [InlineData("lsisas1068", "windows9-64", false, "lsi", null)]
    [InlineData("pvscsi", "windows9-64", false, "pvscsi", null)]
    [InlineData("buslogic", "debian12-64", false, "virtio-scsi-single", null)]
    [InlineData("buslogic", "windows9-64", false, null, null)]
    [InlineData("lsilogic", "debian12-64", true, "virtio-scsi-single", "virtio-scsi-single")]
    [InlineData("lsilogic", "windows9-64", true, "pvscsi", "pvscsi")]
    [InlineData("pvscsi", "windows9-64", true, "pvscsi", null)]
    [InlineData("buslogic", "windows9-64", true, "pvscsi", "pvscsi")]
    public void Scsi_hardware_follows_the_controller_and_ovmf(string ctrl, string guest, bool efi, string? scsihw, string? warned)
    {
        var m = Parse(Disk + $"scsi0.virtualDev = \"{ctrl}\"\nguestOS = \"{guest}\"\n" + (efi ? "firmware = \"efi\"\n" : ""));
        Assert.Equal(scsihw, m["scsihw"]);
        var w = m.Warnings.SingleOrDefault(x => x.Type == "ovmf-with-lsi-unsupported");
        Assert.Equal(warned, w?.Value);
        if (w is not null) Assert.Equal("scsihw", w.Key);
    }

    // --- disks ---

    [Fact]
    public void Disks_on_every_bus_are_numbered_per_bus_in_controller_and_unit_order()
    {
        var m = Parse("""
            scsi1:0.present = "TRUE"
            scsi1:0.fileName = "d.vmdk"
            scsi0:10.present = "TRUE"
            scsi0:10.fileName = "c.vmdk"
            scsi0:2.present = "TRUE"
            scsi0:2.fileName = "b.vmdk"
            sata0:3.present = "TRUE"
            sata0:3.fileName = "s.vmdk"
            ide0:1.present = "TRUE"
            ide0:1.fileName = "i.vmdk"
            nvme0:0.present = "TRUE"
            nvme0:0.fileName = "n.vmdk"
            """);
        Assert.Equal(["ide0", "sata0", "scsi0", "scsi1", "scsi2", "scsi3"], m.Disks.Keys);
        Assert.Equal(["i.vmdk", "s.vmdk", "b.vmdk", "c.vmdk", "d.vmdk", "n.vmdk"], m.Disks.Values.Select(d => d.Reference));
        Assert.Equal("order=ide0;sata0;scsi0;scsi1;scsi2;scsi3", m["boot"]);
        Assert.Equal(new ImportWarning("nvme-unsupported", "nvme0:0", "n.vmdk"), Assert.Single(m.Warnings));
    }

    [Fact]
    public void Only_present_devices_count()
    {
        var m = Parse("""
            scsi0:0.present = "FALSE"
            scsi0:0.fileName = "a.vmdk"
            scsi0:1.fileName = "b.vmdk"
            scsi1.present = "FALSE"
            scsi1:0.present = "TRUE"
            scsi1:0.fileName = "c.vmdk"
            scsi0:2.present = "true"
            scsi0:2.fileName = "d.vmdk"
            """);
        Assert.Equal("d.vmdk", Assert.Single(m.Disks).Value.Reference);
        Assert.Equal(["local:import/vm1/d.vmdk"], _asked);
    }

    [Fact]
    public void Cdroms_stay_empty_with_a_warning()
    {
        var m = Parse("""
            sata0:0.present = "TRUE"
            sata0:0.deviceType = "cdrom-image"
            sata0:0.fileName = "iso/install.iso"
            ide1:0.present = "TRUE"
            ide1:0.deviceType = "atapi-cdrom"
            ide1:0.fileName = "/vmfs/devices/cdrom/mpx.vmhba64:C0:T0:L0"
            sata0:1.present = "TRUE"
            sata0:1.deviceType = "cdrom-image"
            sata0:1.fileName = "/vmfs/volumes/datastore1/iso/x.iso"
            """);
        Assert.Empty(m.Disks);
        Assert.Equal("none,media=cdrom", m["ide0"]);
        Assert.Equal("none,media=cdrom", m["sata0"]);
        Assert.Equal("none,media=cdrom", m["sata1"]);
        Assert.Equal(
        [
            new ImportWarning("cdrom-image-ignored", "ide0", "/vmfs/devices/cdrom/mpx.vmhba64:C0:T0:L0"),
            new ImportWarning("cdrom-image-ignored", "sata0", "local:import/vm1/iso/install.iso"),
            new ImportWarning("cdrom-image-ignored", "sata1", "/vmfs/volumes/datastore1/iso/x.iso"),
        ], m.Warnings);
        Assert.Empty(_asked); // cdrom images are never looked up
    }

    [Fact]
    public void Passthrough_devices_are_skipped()
    {
        var m = Parse("scsi0:1.present = \"TRUE\"\nscsi0:1.deviceType = \"scsi-passthru\"\nscsi0:1.fileName = \"/vmfs/devices/genscsi/naa.1\"");
        Assert.Empty(m.Disks);
        Assert.Contains(m.Notes, n => n.Contains("pass-through"));
    }

    [Theory]
    [InlineData("/vmfs/volumes/datastore2/vm1/vm1.vmdk", "only paths relative")]
    [InlineData("../vm2/vm2.vmdk", "escapes the directory")]
    [InlineData("sub/../../x.vmdk", "escapes the directory")]
    [InlineData("vm1.vhd", "unsupported disk image format 'vhd'")]
    public void Disk_paths_must_stay_in_the_vm_directory(string file, string message)
    {
        var e = Refused($"scsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"{file}\"");
        Assert.Contains(message, e.Message);
        Assert.Contains("scsi0:0", e.Message);
        Assert.Empty(_asked);
    }

    [Fact]
    public void Disk_sizes_come_from_the_probe()
    {
        var m = VmxParser.Parse(Disk, Volid, _ => true, v => v.EndsWith("vm1.vmdk") ? 5L << 30 : null);
        Assert.Equal(5L << 30, m.Disks["scsi0"].Size);
        Assert.Null(VmxParser.Parse(Disk, Volid, _ => true).Disks["scsi0"].Size);
    }

    [Fact]
    public void Too_many_sata_disks_is_an_error()
    {
        var lines = string.Concat(Enumerable.Range(0, 7).Select(i => $"sata0:{i}.present = \"TRUE\"\nsata0:{i}.fileName = \"d{i}.vmdk\"\n"));
        Assert.Contains("no free sata slot", Refused(lines).Message);
    }

    // --- NICs ---

    [Theory]
    [InlineData("e1000", "e1000")]
    [InlineData("E1000E", "e1000e")]
    [InlineData("vmxnet3", "vmxnet3")]
    [InlineData("vmxnet2", "e1000")]
    [InlineData("vmxnet", "e1000")]
    [InlineData("vlance", "e1000")]
    public void Nic_models_are_kept_or_become_e1000(string dev, string model)
    {
        var m = Parse($"ethernet0.present = \"TRUE\"\nethernet0.virtualDev = \"{dev}\"");
        Assert.Equal(model, m.Net["net0"].Model);
    }

    [Theory]
    [InlineData("generated", "00:0c:29:00:00:01", "00:50:56:00:00:02", "00:0C:29:00:00:01")]
    [InlineData("vpx", "00:50:56:aa:bb:cc", null, "00:50:56:AA:BB:CC")]
    [InlineData("static", "00:0c:29:00:00:01", "00:50:56:00:00:02", "00:50:56:00:00:02")]
    [InlineData("static", null, "00:50:56:00:00:02", "00:50:56:00:00:02")]
    [InlineData(null, null, null, null)]
    public void Mac_follows_the_address_type(string? type, string? generated, string? address, string? mac)
    {
        var lines = "ethernet0.present = \"TRUE\"\n"
                    + (type is null ? "" : $"ethernet0.addressType = \"{type}\"\n")
                    + (generated is null ? "" : $"ethernet0.generatedAddress = \"{generated}\"\n")
                    + (address is null ? "" : $"ethernet0.address = \"{address}\"\n");
        Assert.Equal(mac, Parse(lines).Net["net0"].MacAddr);
    }

    [Fact]
    public void Invalid_mac_is_an_error()
    {
        var e = Refused("ethernet0.present = \"TRUE\"\nethernet0.address = \"00:50:56:zz\"\nethernet0.addressType = \"static\"");
        Assert.Contains("ethernet0 has an invalid MAC address '00:50:56:zz'", e.Message);
    }

    [Fact]
    public void Nic_beyond_net31_is_an_error()
    {
        Assert.Contains("ethernet32", Refused("ethernet32.present = \"TRUE\"").Message);
    }

    // --- serial ports ---

    [Fact]
    public void Present_serial_ports_become_sockets_with_warnings()
    {
        var m = Parse("""
            serial0.present = "TRUE"
            serial0.fileType = "pipe"
            serial0.fileName = "\\.\pipe\com1"
            serial1.present = "FALSE"
            serial2.present = "TRUE"
            serial2.fileType = "network"
            """);
        Assert.Equal("socket", m["serial0"]);
        Assert.Equal("socket", m["serial1"]); // renumbered from serial2
        Assert.Null(m["serial2"]);
        Assert.Equal(
        [
            new ImportWarning("serial-port-socket-only", "serial0", "pipe"),
            new ImportWarning("serial-port-socket-only", "serial1", "network"),
        ], m.Warnings);
    }

    // --- input handling ---

    [Fact]
    public void Keys_are_case_insensitive_and_quotes_optional()
    {
        var m = Parse("NUMVCPUS = 2\nCpuid.CoresPerSocket = '2'\nMEMSIZE=\"1024\"\nDisplayName = \"a b\"  \r\n  # comment\n");
        Assert.Equal("2", m["cores"]);
        Assert.Null(m["sockets"]);
        Assert.Equal("1024", m["memory"]);
        Assert.Equal("a-b", m["name"]);
    }

    [Fact]
    public void Only_vmx_volumes_are_accepted()
    {
        var e = Assert.Throws<ImportException>(() => VmxParser.Parse("", "local:import/vm1/vm1.vmdk", Exists));
        Assert.Contains("does not look like an importable vm config", e.Message);
    }

    [Theory]
    [InlineData("numvcpus \"2\"", "line 1: expected 'key = \"value\"'")]
    [InlineData("memSize = \"1024\"\ndisplayName = \"unterminated", "line 2: unterminated quoted value")]
    [InlineData("= \"x\"", "line 1")]
    [InlineData("KDMV\u0001\u0000\u0000\u0000", "line 1")]
    public void Malformed_lines_are_clear_errors(string text, string message)
    {
        var e = Refused(text);
        Assert.StartsWith("failed to parse vmx: ", e.Message);
        Assert.Contains(message, e.Message);
    }
}

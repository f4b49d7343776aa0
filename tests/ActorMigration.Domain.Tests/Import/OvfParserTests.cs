using System.Xml;
using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

/// <summary>OVF rules, checked on variations of a real export.</summary>
public class OvfParserTests
{
    private const string Volid = "local:import/vm.ovf";
    private static readonly string Win10 = Fixtures.Text("ovf", "Win10-Liz.ovf");
    private static readonly string Win2008 = Fixtures.Text("ovf", "Win_2008_R2_two-disks.ovf");

    private readonly List<string> _asked = new();

    private bool Exists(string volid)
    {
        _asked.Add(volid);
        return true;
    }

    private ImportMetadata Parse(string xml, string volid = Volid) => OvfParser.Parse(xml, volid, Exists);

    private ImportException Refused(string xml, string volid = Volid) =>
        Assert.Throws<ImportException>(() => OvfParser.Parse(xml, volid, Exists));

    private static string With(string text, string from, string to)
    {
        Assert.Contains(from, text);
        return text.Replace(from, to);
    }

    // --- XML safety ---

    [Fact]
    public void External_entity_to_a_host_file_is_refused_and_never_read()
    {
        var secret = Path.Combine(Path.GetTempPath(), $"ovf-xee-{Guid.NewGuid():N}.txt");
        var token = $"TOKEN-{Guid.NewGuid():N}";
        File.WriteAllText(secret, token);
        try
        {
            var xml = With(Win10, "<Envelope ", $"<!DOCTYPE Envelope [<!ENTITY leak SYSTEM \"{new Uri(secret).AbsoluteUri}\">]>\n<Envelope ");
            xml = With(xml, "<Name>Win10-Liz</Name>", "<Name>&leak;</Name>");

            // control: a careless loader does leak the file, so the fixture is a real attack
            var unsafeSettings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Parse, XmlResolver = new XmlUrlResolver() };
            using (var careless = XmlReader.Create(new StringReader(xml), unsafeSettings))
                Assert.Contains(token, System.Xml.Linq.XDocument.Load(careless).ToString());

            var e = Refused(xml);
            Assert.StartsWith("failed to parse OVF: DTD is prohibited", e.Message);
            Assert.DoesNotContain(token, e.Message);
            Assert.Empty(_asked);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public void Internal_entities_are_refused_too()
    {
        var xml = With(Win10, "<Envelope ", "<!DOCTYPE Envelope [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<Envelope ");
        xml = With(xml, "<Name>Win10-Liz</Name>", "<Name>&b;</Name>");
        Assert.StartsWith("failed to parse OVF: DTD is prohibited", Refused(xml).Message);
    }

    [Fact]
    public void Malformed_xml_is_a_clear_error()
    {
        var e = Refused(Win10[..(Win10.Length / 2)]);
        Assert.StartsWith("failed to parse OVF: ", e.Message);
    }

    [Fact]
    public void Root_must_be_an_OVF_envelope()
    {
        var e = Refused("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>");
        Assert.Contains("root element is 'html'", e.Message);
    }

    [Fact]
    public void Multi_vm_collections_are_refused()
    {
        var xml = With(Win10, "<VirtualSystem ovf:id=\"vm\">", "<VirtualSystemCollection ovf:id=\"all\"><VirtualSystem ovf:id=\"vm\">");
        xml = With(xml, "</VirtualSystem>", "</VirtualSystem></VirtualSystemCollection>");
        Assert.Contains("VirtualSystemCollection", Refused(xml).Message);
    }

    [Fact]
    public void Only_ovf_and_ova_volumes_are_accepted()
    {
        Assert.Equal("invalid format", Refused(Win10, "local:import/vm.vmdk").Message);
        Assert.Throws<ArgumentException>(() => OvfParser.Parse(Win10, "import/vm.ovf", Exists));
    }

    // --- disk references ---

    [Theory]
    [InlineData("../Win10-Liz-disk1.vmdk", "escapes the directory")]
    [InlineData("sub/../../etc/disk.vmdk", "escapes the directory")]
    [InlineData("/etc/passwd.vmdk", "only paths relative")]
    [InlineData("file:///var/lib/vz/images/100/vm-100-disk-0.raw", "only paths relative")]
    [InlineData("http://example.com/disk.vmdk", "only paths relative")]
    [InlineData("..\\..\\disk.vmdk", "only paths relative")]
    [InlineData("disk%2F..%2Fx.vmdk", "not allowed")]
    public void Disk_href_escaping_the_directory_is_refused(string href, string reason)
    {
        var xml = With(Win10, "ovf:href=\"Win10-Liz-disk1.vmdk\"", $"ovf:href=\"{href}\"");
        var e = Refused(xml);
        Assert.Contains(reason, e.Message);
        Assert.Contains($"'{href}'", e.Message);
        Assert.Empty(_asked); // refused before anything is looked up
    }

    [Fact]
    public void Href_in_a_sub_directory_is_resolved_against_the_manifest()
    {
        var xml = With(Win10, "ovf:href=\"Win10-Liz-disk1.vmdk\"", "ovf:href=\"disks/./win10.vmdk\"");
        var m = Parse(xml, "local:import/exports/win10/vm.ovf");
        Assert.Equal("local:import/exports/win10/disks/win10.vmdk", m.Disks["scsi0"].VolId);
        Assert.Equal(["local:import/exports/win10/disks/win10.vmdk"], _asked);
    }

    [Fact]
    public void Missing_disk_file_names_the_file()
    {
        var store = FixtureStorage.Ovf();
        var xml = With(Win10, "ovf:href=\"Win10-Liz-disk1.vmdk\"", "ovf:href=\"gone.vmdk\"");
        var e = Assert.Throws<ImportException>(() => OvfParser.Parse(xml, "local:import/Win10-Liz.ovf", store.Exists));
        Assert.Contains("'gone.vmdk'", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("local:import/gone.vmdk", e.Message);
    }

    [Fact]
    public void Unsupported_image_format_is_refused()
    {
        var xml = With(Win10, "ovf:href=\"Win10-Liz-disk1.vmdk\"", "ovf:href=\"Win10-Liz-disk1.vhdx\"");
        Assert.Contains("unsupported disk image format 'vhdx'", Refused(xml).Message);
    }

    [Fact]
    public void Compressed_files_are_refused()
    {
        var xml = With(Win10, "ovf:id=\"file1\"", "ovf:id=\"file1\" ovf:compression=\"gzip\"");
        Assert.Contains("compressed", Refused(xml).Message);
    }

    [Fact]
    public void Unknown_disk_reference_is_an_error()
    {
        var xml = With(Win10, "ovf:/disk/vmdisk1", "ovf:/disk/nosuchdisk");
        Assert.Contains("'nosuchdisk'", Refused(xml).Message);
    }

    [Fact]
    public void Disk_without_image_is_skipped_with_a_note()
    {
        var xml = With(Win10, "ovf:fileRef=\"file1\" ", "");
        var m = Parse(xml);
        Assert.Empty(m.Disks);
        Assert.Null(m["boot"]);
        Assert.Contains(m.Notes, n => n.Contains("blank disk"));
    }

    [Fact]
    public void Disk_capacity_units()
    {
        var xml = With(Win10, "ovf:capacity=\"128\" ovf:capacityAllocationUnits=\"byte * 2^30\"",
            "ovf:capacity=\"2048\" ovf:capacityAllocationUnits=\"byte * 2^20\"");
        Assert.Equal(2048L << 20, Parse(xml).Disks["scsi0"].Size);
        xml = With(Win10, "ovf:capacity=\"128\" ovf:capacityAllocationUnits=\"byte * 2^30\"", "ovf:capacity=\"1073741824\"");
        Assert.Equal(1L << 30, Parse(xml).Disks["scsi0"].Size);
    }

    // --- OVA ---

    [Fact]
    public void Ova_needs_extracting_and_its_members_are_not_looked_up()
    {
        var m = Parse(Win10, "local:import/Win10-Liz.ova");
        Assert.Equal("import/Win10-Liz.ova", m.Source);
        Assert.Equal(new ImportWarning("ova-needs-extracting"), Assert.Single(m.Warnings));
        Assert.Equal("local:import/Win10-Liz.ova/Win10-Liz-disk1.vmdk", m.Disks["scsi0"].VolId);
        Assert.Equal(128L << 30, m.Disks["scsi0"].Size); // from the OVF: the image is still inside the archive
        Assert.Empty(_asked);
    }

    [Fact]
    public void Ova_members_must_be_plain_names()
    {
        var xml = With(Win10, "ovf:href=\"Win10-Liz-disk1.vmdk\"", "ovf:href=\"sub/disk.vmdk\"");
        Assert.Contains("plain file names", Refused(xml, "local:import/x.ova").Message);
    }

    [Fact]
    public void Ova_with_efi_has_both_warnings_in_proxmox_order()
    {
        var m = Parse(Fixtures.Text("ovf", "Win10-Liz_no_default_ns.ovf"), "local:import/w.ova");
        Assert.Equal(["ova-needs-extracting", "efi-state-lost"], m.Warnings.Select(w => w.Type));
    }

    // --- NICs ---

    [Theory]
    [InlineData("E1000", "e1000")]
    [InlineData("E1000e", "e1000e")]
    [InlineData("VmxNet3", "vmxnet3")]
    [InlineData("vmxnet3", "vmxnet3")]
    [InlineData("PCNet32", "e1000")]
    [InlineData("VirtualBox-virtio", "e1000")]
    [InlineData("", "e1000")]
    public void Nic_models_are_kept_or_become_e1000(string subtype, string model)
    {
        var xml = With(Win10, "<rasd:ResourceSubType>E1000e</rasd:ResourceSubType>", $"<rasd:ResourceSubType>{subtype}</rasd:ResourceSubType>");
        Assert.Equal(model, Parse(xml).Net["net0"].Model);
    }

    [Fact]
    public void Several_nics_are_numbered_in_order()
    {
        const string nic = "<Item><rasd:InstanceID>20</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>"
            + "<rasd:ResourceType>10</rasd:ResourceType></Item>";
        var xml = With(Win10, "<vmw:Config ovf:required=\"false\" vmw:key=\"memoryHotAddEnabled\"",
            nic + "<vmw:Config ovf:required=\"false\" vmw:key=\"memoryHotAddEnabled\"");
        var m = Parse(xml);
        Assert.Equal(["net0", "net1"], m.Net.Keys);
        Assert.Equal(["e1000e", "vmxnet3"], m.Net.Values.Select(n => n.Model));
    }

    // --- system ---

    [Theory]
    [InlineData("1", "other")]
    [InlineData("36", "l26")]
    [InlineData("96", "l26")]
    [InlineData("97", "l24")]
    [InlineData("103", "win7")]
    [InlineData("77", "w2k8")]
    [InlineData("113", "win8")]
    [InlineData("120", "win10")]
    [InlineData("121", "win10")]
    [InlineData("123", "win11")]
    [InlineData("29", "solaris")]
    [InlineData("18", "wxp")]
    [InlineData("999", "other")]
    [InlineData("x", "other")]
    public void Os_id_maps_to_ostype(string id, string ostype)
    {
        var xml = With(Win10, "<OperatingSystemSection ovf:id=\"1\"", $"<OperatingSystemSection ovf:id=\"{id}\"");
        Assert.Equal(ostype, Parse(xml)["ostype"]);
    }

    [Theory]
    [InlineData("My Web Server", "My-Web-Server")]
    [InlineData("db_01 (old)", "db01-old")]
    [InlineData("-x.example.", "x.example")]
    public void Name_is_made_a_dns_name(string raw, string name)
    {
        var xml = With(Win10, "<Name>Win10-Liz</Name>", $"<Name>{raw}</Name>");
        Assert.Equal(name, Parse(xml)["name"]);
    }

    [Fact]
    public void Without_name_the_virtual_system_id_is_used()
    {
        var xml = With(Win10, "<Name>Win10-Liz</Name>", "");
        Assert.Equal("vm", Parse(xml)["name"]);
    }

    [Fact]
    public void Without_any_usable_name_none_is_set()
    {
        var xml = With(With(Win10, "<Name>Win10-Liz</Name>", "<Name>___</Name>"), "<VirtualSystem ovf:id=\"vm\">", "<VirtualSystem>");
        var m = Parse(xml);
        Assert.Null(m["name"]);
        Assert.Contains(m.Notes, n => n.Contains("VM name"));
    }

    [Theory]
    [InlineData("byte * 2^20", "6144", "6144")]
    [InlineData("byte*2^30", "4", "4096")]
    [InlineData("MegaBytes", "1024", "1024")]
    [InlineData("GigaBytes", "2", "2048")]
    [InlineData("byte", "1073741824", "1024")]
    public void Memory_honours_allocation_units(string units, string qty, string memory)
    {
        var xml = With(Win10, "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>", $"<rasd:AllocationUnits>{units}</rasd:AllocationUnits>");
        xml = With(xml, "<rasd:VirtualQuantity>6144</rasd:VirtualQuantity>", $"<rasd:VirtualQuantity>{qty}</rasd:VirtualQuantity>");
        Assert.Equal(memory, Parse(xml)["memory"]);
    }

    [Fact]
    public void Unknown_memory_unit_is_an_error()
    {
        var xml = With(Win10, "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>", "<rasd:AllocationUnits>furlongs</rasd:AllocationUnits>");
        Assert.Contains("'furlongs'", Refused(xml).Message);
    }

    [Fact]
    public void Bad_cpu_count_is_an_error()
    {
        var xml = With(Win10, "<rasd:VirtualQuantity>4</rasd:VirtualQuantity>", "<rasd:VirtualQuantity>four</rasd:VirtualQuantity>");
        Assert.Contains("'four'", Refused(xml).Message);
    }

    [Theory]
    [InlineData("efi", "ovmf")]
    [InlineData("EFI", "ovmf")]
    [InlineData("bios", null)]
    public void Firmware_config_sets_bios(string firmware, string? bios)
    {
        var xml = With(Win10, "<vmw:Config ovf:required=\"false\" vmw:key=\"memoryHotAddEnabled\"",
            $"<vmw:Config ovf:required=\"false\" vmw:key=\"firmware\" vmw:value=\"{firmware}\"/><vmw:Config " +
                $"ovf:required=\"false\" vmw:key=\"memoryHotAddEnabled\"");
        var m = Parse(xml);
        Assert.Equal(bios, m["bios"]);
        Assert.Equal(bios is not null, m.EfiDisk);
        Assert.Equal(bios is not null, m.Warnings.Any(w => w.Type == "efi-state-lost"));
    }

    [Fact]
    public void Firmware_with_ovf_attributes_is_understood()
    {
        var xml = With(Win10, "<vmw:Config ovf:required=\"false\" vmw:key=\"memoryHotAddEnabled\"",
            "<vmw:Config ovf:key=\"firmware\" ovf:value=\"efi\"/><vmw:Config ovf:required=\"false\" vmw:key=\"memoryHotAddEnabled\"");
        Assert.Equal("ovmf", Parse(xml)["bios"]);
    }

    // --- controllers ---

    [Fact]
    public void Disks_follow_controller_type_and_address()
    {
        // disk0 on the SATA controller (InstanceID 3) at address 2, disk1 on SCSI at 3
        var xml = With(Win2008, "<rasd:AddressOnParent>0</rasd:AddressOnParent>\n        <rasd:ElementName>disk0</rasd:ElementName>",
            "<rasd:AddressOnParent>2</rasd:AddressOnParent>\n        <rasd:ElementName>disk0</rasd:ElementName>");
        xml = With(xml, "<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>\n        <rasd:InstanceID>7</rasd:InstanceID>\n        " +
            "<rasd:Parent>5</rasd:Parent>",
            "<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>\n        <rasd:InstanceID>7</rasd:InstanceID>\n        <rasd:Parent>3</rasd:Parent>");
        xml = With(xml, "<rasd:AddressOnParent>1</rasd:AddressOnParent>\n        <rasd:ElementName>disk1</rasd:ElementName>",
            "<rasd:AddressOnParent>3</rasd:AddressOnParent>\n        <rasd:ElementName>disk1</rasd:ElementName>");
        var m = Parse(xml);
        Assert.Equal(["sata2", "scsi3"], m.Disks.Keys);
        Assert.Equal("order=sata2;scsi3", m["boot"]);
        Assert.EndsWith("disk1.vmdk", m.Disks["sata2"].VolId);
    }

    [Theory]
    [InlineData("0", "0", "ide0")]
    [InlineData("0", "1", "ide1")]
    [InlineData("1", "0", "ide2")]
    [InlineData("1", "1", "ide3")]
    public void Ide_channel_and_position_give_ide0_to_ide3(string channel, string position, string key)
    {
        var xml = With(Win10, "<rasd:Description>SCSI Controller</rasd:Description>", "<rasd:Description>IDE Controller</rasd:Description>");
        xml = With(xml, "<rasd:Address>0</rasd:Address>\n        <rasd:Description>IDE Controller</rasd:Description>",
            $"<rasd:Address>{channel}</rasd:Address>\n        <rasd:Description>IDE Controller</rasd:Description>");
        xml = With(xml, "<rasd:ResourceSubType>lsilogicsas</rasd:ResourceSubType>\n        <rasd:ResourceType>6</rasd:ResourceType>",
            "<rasd:ResourceSubType>PIIX4</rasd:ResourceSubType>\n        <rasd:ResourceType>5</rasd:ResourceType>");
        xml = With(xml, "<rasd:AddressOnParent>0</rasd:AddressOnParent>\n        <rasd:ElementName>disk0</rasd:ElementName>",
            $"<rasd:AddressOnParent>{position}</rasd:AddressOnParent>\n        <rasd:ElementName>disk0</rasd:ElementName>");
        Assert.Equal([key], Parse(xml).Disks.Keys);
    }

    [Fact]
    public void Colliding_addresses_get_the_next_free_slot()
    {
        var xml = With(Win2008, "<rasd:AddressOnParent>1</rasd:AddressOnParent>\n        <rasd:ElementName>disk1</rasd:ElementName>",
            "<rasd:AddressOnParent>0</rasd:AddressOnParent>\n        <rasd:ElementName>disk1</rasd:ElementName>");
        var m = Parse(xml);
        Assert.Equal(["scsi0", "scsi1"], m.Disks.Keys);
        Assert.EndsWith("disk2.vmdk", m.Disks["scsi1"].VolId);
        Assert.Contains(m.Notes, n => n.Contains("scsi0 is already used"));
    }

    [Fact]
    public void Nvme_controller_becomes_scsi_with_a_warning()
    {
        var xml = With(Win10, "<rasd:ResourceSubType>vmware.sata.ahci</rasd:ResourceSubType>",
            "<rasd:ResourceSubType>vmware.nvme.controller</rasd:ResourceSubType>");
        xml = With(xml, "<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>\n        <rasd:InstanceID>8</rasd:InstanceID>\n        " +
            "<rasd:Parent>6</rasd:Parent>",
            "<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>\n        <rasd:InstanceID>8</rasd:InstanceID>\n        <rasd:Parent>3</rasd:Parent>");
        var m = Parse(xml);
        Assert.Equal(["scsi0"], m.Disks.Keys);
        Assert.Equal(new ImportWarning("nvme-unsupported", "nvme0:0", "Win10-Liz-disk1.vmdk"), Assert.Single(m.Warnings));
    }

    [Fact]
    public void Unsupported_controller_is_an_error()
    {
        var xml = With(Win10, "<rasd:ResourceSubType>lsilogicsas</rasd:ResourceSubType>\n        <rasd:ResourceType>6</rasd:ResourceType>",
            "<rasd:ResourceSubType>fc</rasd:ResourceSubType>\n        <rasd:ResourceType>7</rasd:ResourceType>");
        Assert.Contains("unsupported controller (ResourceType 7)", Refused(xml).Message);
    }

    [Fact]
    public void Missing_controller_is_an_error()
    {
        var xml = With(Win10, "<rasd:Parent>6</rasd:Parent>", "<rasd:Parent>42</rasd:Parent>");
        Assert.Contains("no valid controller (Parent '42')", Refused(xml).Message);
    }

    [Fact]
    public void Cdroms_are_not_imported()
    {
        var m = Parse(Win10); // has cdrom0 on the SATA controller
        Assert.DoesNotContain(m.Disks.Keys, k => k.StartsWith("sata"));
        Assert.DoesNotContain(m.CreateArgs.Keys, k => k.StartsWith("sata") || k.StartsWith("ide"));
    }

    [Fact]
    public void Ovf2_storage_and_ethernet_port_items_with_default_namespaces()
    {
        const string xml = """
            <?xml version="1.0"?>
            <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/2" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/2">
              <References><File ovf:id="f1" ovf:href="deb.qcow2"/></References>
              <DiskSection><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="10" ovf:capacityAllocationUnits="byte * 2^30"/></DiskSection>
              <VirtualSystem ovf:id="deb12">
                <OperatingSystemSection ovf:id="96"/>
                <VirtualHardwareSection>
                  <Item xmlns:r="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
                    <r:InstanceID>1</r:InstanceID><r:ResourceType>3</r:ResourceType><r:VirtualQuantity>2</r:VirtualQuantity></Item>
                  <Item xmlns:r="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
                    <r:AllocationUnits>MegaBytes</r:AllocationUnits><r:InstanceID>2</r:InstanceID><r:ResourceType>4</r:ResourceType>
                    <r:VirtualQuantity>2048</r:VirtualQuantity></Item>
                  <Item xmlns:r="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
                    <r:InstanceID>3</r:InstanceID><r:ResourceSubType>AHCI</r:ResourceSubType><r:ResourceType>20</r:ResourceType></Item>
                  <StorageItem xmlns:s="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_StorageAllocationSettingData">
                    <s:AddressOnParent>0</s:AddressOnParent><s:HostResource>ovf:/disk/d1</s:HostResource><s:InstanceID>4</s:InstanceID>
                    <s:Parent>3</s:Parent><s:ResourceType>17</s:ResourceType></StorageItem>
                  <EthernetPortItem xmlns:e="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData">
                    <e:InstanceID>5</e:InstanceID><e:ResourceSubType>virtio</e:ResourceSubType><e:ResourceType>10</e:ResourceType></EthernetPortItem>
                </VirtualHardwareSection>
              </VirtualSystem>
            </Envelope>
            """;
        var m = OvfParser.Parse(xml, "local:import/deb12.ovf", Exists);
        Assert.Equal("deb12", m["name"]);
        Assert.Equal("2", m["cores"]);
        Assert.Equal("2048", m["memory"]);
        Assert.Equal("l26", m["ostype"]);
        Assert.Equal("order=sata0", m["boot"]);
        Assert.Equal(new ImportDisk("local:import/deb.qcow2", 10L << 30, "qcow2", "deb.qcow2"), m.Disks["sata0"]);
        Assert.Equal("e1000", m.Net["net0"].Model);
    }

    [Fact]
    public void Virtualbox_efi_firmware_is_understood()
    {
        var xml = With(Win10, "</VirtualSystem>",
            "<vbox:Machine xmlns:vbox=\"http://www.virtualbox.org/ovf/machine\"><Hardware><Firmware " +
                "type=\"EFI64\"/></Hardware></vbox:Machine></VirtualSystem>");
        Assert.Equal("ovmf", Parse(xml)["bios"]);
    }
}

using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

/// <summary>The real exports Proxmox tests its OVF parser with, and the values its test expects.</summary>
public class OvfFixtureTests
{
    private static (ImportMetadata Meta, FixtureStorage Store) Parse(string file, bool withSizes = true)
    {
        var store = FixtureStorage.Ovf();
        var meta = OvfParser.Parse(store.Text(file), $"local:import/{file}", store.Exists,
            withSizes ? store.VirtualSize : null);
        return (meta, store);
    }

    [Fact]
    public void Win2008_two_disks()
    {
        var (m, _) = Parse("Win_2008_R2_two-disks.ovf");

        Assert.Equal("vm", m.Type);
        Assert.Equal("import/Win_2008_R2_two-disks.ovf", m.Source);
        Assert.Equal("Win2008-R2x64", m["name"]);
        Assert.Equal("1", m["cores"]);
        Assert.Equal("2048", m["memory"]);
        Assert.Equal("win7", m["ostype"]);
        Assert.Equal("order=scsi0;scsi1", m["boot"]);
        Assert.Null(m["bios"]);
        Assert.False(m.EfiDisk);

        Assert.Equal(["scsi0", "scsi1"], m.Disks.Keys);
        Assert.Equal("local:import/disk1.vmdk", m.Disks["scsi0"].VolId);
        Assert.Equal("local:import/disk2.vmdk", m.Disks["scsi1"].VolId);
        Assert.Equal("disk1.vmdk", m.Disks["scsi0"].Reference);
        Assert.Equal("vmdk", m.Disks["scsi0"].Format);
        // Proxmox reads the size from the image itself: these test images are 2048 bytes
        Assert.Equal(2048, m.Disks["scsi0"].Size);
        Assert.Equal(2048, m.Disks["scsi1"].Size);

        Assert.Equal(["net0"], m.Net.Keys);
        Assert.Equal("e1000", m.Net["net0"].Model);
        Assert.Null(m.Net["net0"].MacAddr);
        Assert.Empty(m.Warnings);
    }

    [Fact]
    public void Win10_single_disk()
    {
        var (m, _) = Parse("Win10-Liz.ovf");

        Assert.Equal("Win10-Liz", m["name"]);
        Assert.Equal("4", m["cores"]);
        Assert.Equal("6144", m["memory"]);
        // the export says ovf:id="1" (Other): older ESXi used that for Windows 10
        Assert.Equal("other", m["ostype"]);
        Assert.Equal("order=scsi0", m["boot"]);
        Assert.Null(m["bios"]);

        var disk = Assert.Single(m.Disks);
        Assert.Equal("scsi0", disk.Key);
        Assert.Equal("local:import/Win10-Liz-disk1.vmdk", disk.Value.VolId);
        Assert.Equal(2048, disk.Value.Size);
        Assert.Equal("e1000e", m.Net["net0"].Model);
        Assert.Empty(m.Warnings);
    }

    [Fact]
    public void Win10_without_default_rasd_namespace_and_efi()
    {
        var (m, _) = Parse("Win10-Liz_no_default_ns.ovf");

        Assert.Equal("Win10-Liz", m["name"]);
        Assert.Equal("4", m["cores"]);
        Assert.Equal("6144", m["memory"]);
        Assert.Equal("other", m["ostype"]);
        Assert.Equal("ovmf", m["bios"]);
        Assert.Equal("order=scsi0", m["boot"]);
        Assert.Equal("local:import/Win10-Liz-disk1.vmdk", m.Disks["scsi0"].VolId);
        Assert.Equal(2048, m.Disks["scsi0"].Size);
        Assert.Equal("e1000e", m.Net["net0"].Model);

        Assert.True(m.EfiDisk);
        var w = Assert.Single(m.Warnings);
        Assert.Equal(new ImportWarning("efi-state-lost", "bios", "ovmf"), w);
    }

    [Fact]
    public void Without_a_size_probe_the_OVF_capacity_is_used()
    {
        var (m, _) = Parse("Win_2008_R2_two-disks.ovf", withSizes: false);
        Assert.Equal(40L << 30, m.Disks["scsi0"].Size);
        Assert.Equal(1L << 30, m.Disks["scsi1"].Size);
    }

    [Fact]
    public void Disk_files_are_looked_up_by_volid()
    {
        var (_, store) = Parse("Win_2008_R2_two-disks.ovf", withSizes: false);
        Assert.Equal(["local:import/disk1.vmdk", "local:import/disk2.vmdk"], store.Asked);
    }

    [Fact]
    public void Create_args_come_in_a_stable_order()
    {
        var (m, _) = Parse("Win10-Liz_no_default_ns.ovf");
        Assert.Equal(["name", "cores", "memory", "ostype", "bios", "boot"], m.CreateArgs.Keys);
    }

    [Fact]
    public void XEE_fixture_is_refused_without_resolving_the_entity()
    {
        var store = FixtureStorage.Ovf();
        var text = store.Text("XEE.ovf");
        Assert.Contains("file:///proc/self/comm", text); // the fixture really carries the external entity

        var e = Assert.Throws<ImportException>(() =>
            OvfParser.Parse(text, "local:import/XEE.ovf", store.Exists, store.VirtualSize));

        Assert.StartsWith("failed to parse OVF: DTD is prohibited", e.Message);
        // /proc/self/comm holds this process' name: it must not leak into anything
        var comm = File.Exists("/proc/self/comm") ? File.ReadAllText("/proc/self/comm").Trim() : null;
        if (!string.IsNullOrEmpty(comm)) Assert.DoesNotContain(comm, e.Message);
        Assert.Empty(store.Asked);
    }
}

using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Tests.Storage;

public class VolumeNameTests
{
    private static readonly StorageDefinition Local = new("local", "dir", "/var/lib/vz", false, ["images", "iso", "backup", "import"], null);
    private static readonly StorageDefinition PerNode = new("pn", "dir", "/srv/{node}/store", false, ["images"], null);

    [Theory]
    [InlineData("local:100/vm-100-disk-0.qcow2", 100, "vm-100-disk-0.qcow2", "qcow2", false, 0)]
    [InlineData("local:100/vm-100-disk-12.raw", 100, "vm-100-disk-12.raw", "raw", false, 12)]
    [InlineData("local:105/vm-105-disk-3.vmdk", 105, "vm-105-disk-3.vmdk", "vmdk", false, 3)]
    [InlineData("local:9000/base-9000-disk-0.qcow2", 9000, "base-9000-disk-0.qcow2", "qcow2", true, 0)]
    [InlineData("local:101/vm-101-state-after-upgrade.raw", 101, "vm-101-state-after-upgrade.raw", "raw", false, null)]
    [InlineData("local:103/vm-103-cloudinit.qcow2", 103, "vm-103-cloudinit.qcow2", "qcow2", false, null)]
    public void Images(string volid, int vmid, string name, string format, bool isBase, int? diskNumber)
    {
        var v = VolumeName.Parse(volid);
        Assert.Equal("images", v.VType);
        Assert.Equal("local", v.Storage);
        Assert.Equal(volid[6..], v.VolName);
        Assert.Equal(vmid, v.VmId);
        Assert.Equal(name, v.Name);
        Assert.Equal(format, v.Format);
        Assert.Equal(isBase, v.IsBase);
        Assert.Null(v.BaseName);
        Assert.Null(v.BaseVmId);
        Assert.Null(v.BaseVolId);
        Assert.Equal(diskNumber, v.DiskNumber);
        Assert.Equal(volid, v.VolId);
        Assert.Equal($"images/{vmid}/{name}", v.RelativePath);
    }

    [Fact]
    public void Linked_clone()
    {
        var v = VolumeName.Parse("local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2");
        Assert.Equal("images", v.VType);
        Assert.Equal("vm-101-disk-0.qcow2", v.Name);
        Assert.Equal(101, v.VmId);
        Assert.Equal("base-9000-disk-0.qcow2", v.BaseName);
        Assert.Equal(9000, v.BaseVmId);
        Assert.False(v.IsBase);
        Assert.Equal("qcow2", v.Format);
        Assert.Equal("local:9000/base-9000-disk-0.qcow2", v.BaseVolId);
        Assert.Equal(0, v.DiskNumber);
        // the clone's own file lives in its own image directory
        Assert.Equal("/var/lib/vz/images/101/vm-101-disk-0.qcow2", v.PathOn(Local, "node1"));
    }

    [Fact]
    public void Linked_clone_of_a_base_is_base()
    {
        var v = VolumeName.Parse("local:9000/base-9000-disk-0.qcow2/9001/base-9001-disk-0.qcow2");
        Assert.True(v.IsBase);
        Assert.Equal(9001, v.VmId);
    }

    [Theory]
    [InlineData("local:iso/debian-12.7.0-amd64-netinst.iso", "debian-12.7.0-amd64-netinst.iso")]
    [InlineData("local:iso/virtio-win.ISO", "virtio-win.ISO")]
    [InlineData("local:iso/floppy.img", "floppy.img")]
    public void Isos(string volid, string name)
    {
        var v = VolumeName.Parse(volid);
        Assert.Equal("iso", v.VType);
        Assert.Equal(name, v.Name);
        Assert.Null(v.VmId);
        Assert.Equal("raw", v.Format);
        Assert.Equal($"/var/lib/vz/template/iso/{name}", v.PathOn(Local, "node1"));
    }

    [Fact]
    public void Backup_path()
    {
        var v = VolumeName.Parse("local:backup/vzdump-qemu-100-2024_09_23-21_34_43.vma.zst");
        Assert.Equal("backup", v.VType);
        Assert.Equal("vzdump-qemu-100-2024_09_23-21_34_43.vma.zst", v.Name);
        Assert.Equal("/var/lib/vz/dump/vzdump-qemu-100-2024_09_23-21_34_43.vma.zst", v.PathOn(Local, "n"));
    }

    [Theory]
    [InlineData("local:import/debian.ova", "debian.ova", "ova")]
    [InlineData("local:import/Win10-Liz.ovf", "Win10-Liz.ovf", "ovf")]
    [InlineData("local:import/win2022-efi/win2022-efi.vmx", "win2022-efi/win2022-efi.vmx", "vmx")]
    [InlineData("local:import/disk.QCOW2", "disk.QCOW2", "qcow2")]
    public void Import_volumes(string volid, string name, string format)
    {
        var v = VolumeName.Parse(volid);
        Assert.Equal("import", v.VType);
        Assert.Equal(name, v.Name);
        Assert.Equal(format, v.Format);
        Assert.Equal($"/var/lib/vz/import/{name}", v.PathOn(Local, "n"));
    }

    [Fact]
    public void Per_node_storage_path()
    {
        var v = VolumeName.Parse("pn:100/vm-100-disk-0.raw");
        Assert.Equal("/srv/node2/store/images/100/vm-100-disk-0.raw", v.PathOn(PerNode, "node2"));
    }

    [Theory]
    [InlineData("local:import/../../etc/passwd")]
    [InlineData("local:import/a/../b.vmdk")]
    [InlineData("local:import/./a.vmdk")]
    [InlineData("local:import/a//b.vmdk")]
    [InlineData("local:import/..")]
    [InlineData("local:100/..")]
    [InlineData("local:100/../vm-100-disk-0.raw")]
    [InlineData("local:iso/../x.iso")]
    [InlineData("local:backup/../../etc/shadow")]
    [InlineData("local:100/vm-100-disk-0.txt")]
    [InlineData("local:100/vm-100-disk 0.raw")]
    [InlineData("local:abc/vm-100-disk-0.raw")]
    [InlineData("local:iso/readme.txt")]
    [InlineData("local:images/100/vm-100-disk-0.raw")]
    [InlineData("local:9000/base-9000-disk-0.qcow2/101/notes.txt")]
    [InlineData("local:9000/../101/vm-101-disk-0.qcow2")]
    [InlineData("local:rootdir/100")]
    public void Refusals_name_the_volume(string volid)
    {
        Assert.False(VolumeName.TryParse(volid, out var v, out var error));
        Assert.Null(v);
        Assert.Equal($"unable to parse directory volume name '{volid[6..]}'", error);
        var e = Assert.Throws<FormatException>(() => VolumeName.Parse(volid));
        Assert.Equal(error, e.Message);
    }

    [Theory]
    [InlineData("vm-100-disk-0.raw")]
    [InlineData("/var/lib/vz/images/100/vm-100-disk-0.raw")]
    [InlineData(":100/vm-100-disk-0.raw")]
    [InlineData("Local:100/vm-100-disk-0.raw")]
    [InlineData("l:100/vm-100-disk-0.raw")]
    public void Bad_volume_ids(string volid)
    {
        Assert.False(VolumeName.TryParse(volid, out _, out var error));
        Assert.Equal($"unable to parse volume ID '{volid}'", error);
    }

    [Fact]
    public void Helpers_build_names()
    {
        Assert.Equal("vm-100-disk-3.qcow2", VolumeName.DiskName(100, 3, "qcow2"));
        Assert.Equal("base-9000-disk-0.raw", VolumeName.DiskName(9000, 0, "raw", isBase: true));
        Assert.Equal("local:100/vm-100-disk-3.qcow2", VolumeName.ImageVolId("local", 100, "vm-100-disk-3.qcow2"));
        var v = VolumeName.Parse(VolumeName.ImageVolId("fast", 7, VolumeName.DiskName(7, 42, "vmdk")));
        Assert.Equal((7, 42, "vmdk"), (v.VmId!.Value, v.DiskNumber!.Value, v.Format));
    }

    // ---- Known bugs (PVE::Storage::Plugin::parse_volname / parse_name_dir) ----

    [Theory]
    [InlineData("local:100/custom-name.qcow2", "custom-name.qcow2", "qcow2", false)]
    [InlineData("local:100/restored.raw", "restored.raw", "raw", false)]
    [InlineData("local:9000/base-golden.qcow2", "base-golden.qcow2", "qcow2", true)]
    public void Image_names_not_following_vm_N_disk_are_accepted(string volid, string name, string format, bool isBase)
    {
        // parse_name_dir: m!^((base-)?[^/\s]+\.(raw|qcow2|vmdk|subvol))$!
        Assert.True(VolumeName.TryParse(volid, out var v, out var error), error);
        Assert.Equal("images", v!.VType);
        Assert.Equal(name, v.Name);
        Assert.Equal(format, v.Format);
        Assert.Equal(isBase, v.IsBase);
    }

    [Fact]
    public void Backup_of_a_vm_reports_its_vmid_and_raw_format()
    {
        // return ('backup', $fn, $2, undef, undef, undef, 'raw') for vzdump-qemu-<vmid>-...
        var v = VolumeName.Parse("local:backup/vzdump-qemu-100-2024_09_23-21_34_43.vma.zst");
        Assert.Equal(100, v.VmId);
        Assert.Equal("raw", v.Format);
    }

    [Theory]
    [InlineData("local:backup/notes.txt")]
    [InlineData("local:backup/vzdump-qemu-100.log")]
    public void Backup_names_need_a_backup_extension(string volid)
    {
        // BACKUP_EXT_RE_2 = \.(tgz|(?:tar|vma)(?:\.(gz|lzo|zst|bz2))?)
        Assert.False(VolumeName.TryParse(volid, out _, out _));
    }

    [Theory]
    [InlineData("local:99999999999/vm-99999999999-disk-0.raw")]
    [InlineData("local:99999999999/base-99999999999-disk-0.raw/100/vm-100-disk-0.qcow2")]
    [InlineData("local:backup/vzdump-qemu-99999999999-2020_01_01-00_00_00.tar")]
    public void A_vm_id_beyond_int32_is_unparsable_never_an_exception(string volid)
    {
        Assert.False(VolumeName.TryParse(volid, out _, out var error));
        Assert.Equal($"unable to parse volume ID '{volid}'", error);
    }
}

using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Tests.Config;

public class DrivesTests
{
    [Theory]
    [InlineData("ide0")]
    [InlineData("ide3")]
    [InlineData("sata0")]
    [InlineData("sata5")]
    [InlineData("scsi0")]
    [InlineData("scsi9")]
    [InlineData("scsi10")]
    [InlineData("scsi29")]
    [InlineData("scsi30")]
    [InlineData("virtio0")]
    [InlineData("virtio15")]
    [InlineData("efidisk0")]
    [InlineData("tpmstate0")]
    [InlineData("unused0")]
    [InlineData("unused255")]
    public void Drive_keys(string key) => Assert.True(Drives.IsDriveKey(key));

    [Theory]
    [InlineData("ide4")]
    [InlineData("sata6")]
    [InlineData("scsi31")]
    [InlineData("scsi01")]
    [InlineData("virtio16")]
    [InlineData("efidisk1")]
    [InlineData("tpmstate1")]
    [InlineData("unused")]
    [InlineData("net0")]
    [InlineData("scsihw")]
    [InlineData("ide")]
    [InlineData("hostpci0")]
    [InlineData("xscsi0")]
    [InlineData("scsi0 ")]
    [InlineData("vmstate")]
    // .NET's \d takes Unicode digits and $ matches before a final newline: neither may make a drive key.
    [InlineData("scsi\u0661")]
    [InlineData("unused\u0661")]
    [InlineData("scsi0\n")]
    [InlineData("unused256")]
    [InlineData("unused99999999999")]
    public void Not_drive_keys(string key) => Assert.False(Drives.IsDriveKey(key));

    [Theory]
    [InlineData("ide2", "ide", 2, false)]
    [InlineData("scsi30", "scsi", 30, false)]
    [InlineData("virtio15", "virtio", 15, false)]
    [InlineData("efidisk0", "efidisk", 0, false)]
    [InlineData("tpmstate0", "tpmstate", 0, false)]
    [InlineData("unused12", "unused", 12, true)]
    public void Bus_index_and_unused(string key, string bus, int index, bool unused)
    {
        Assert.Equal(bus, Drives.Bus(key));
        Assert.Equal(index, Drives.Index(key));
        Assert.Equal(unused, Drives.IsUnused(key));
    }

    [Fact]
    public void Unused_prefix_alone_is_not_unused()
    {
        Assert.False(Drives.IsUnused("unusedX"));
        Assert.False(Drives.IsUnused("scsi0"));
    }

    [Fact]
    public void All_lists_drives_in_proxmox_order()
    {
        var s = new QmSection();
        foreach (var k in new[] { "unused1", "virtio0", "scsi10", "ide2", "tpmstate0", "scsi2", "sata0", "efidisk0", "unused0", "net0", "scsihw", "ide0" })
            s[k] = k.StartsWith("net") || k == "scsihw" ? "x" : $"local:100/vm-100-{k}.qcow2";
        Assert.Equal(
            ["ide0", "ide2", "sata0", "scsi2", "scsi10", "virtio0", "efidisk0", "tpmstate0", "unused0", "unused1"],
            Drives.All(s).Select(d => d.Key));
        Assert.Equal(
            ["ide0", "ide2", "sata0", "scsi2", "scsi10", "virtio0", "efidisk0", "tpmstate0"],
            Drives.All(s, includeUnused: false).Select(d => d.Key));
        Assert.Equal("local:100/vm-100-scsi10.qcow2", Drives.All(s).Single(d => d.Key == "scsi10").Drive.File);
    }
}

public class DriveSpecTests
{
    [Fact]
    public void Disk_with_options()
    {
        var d = DriveSpec.Parse("local:100/vm-100-disk-0.qcow2,discard=on,iothread=1,size=32G");
        Assert.Equal("local:100/vm-100-disk-0.qcow2", d.File);
        Assert.False(d.IsCdrom);
        Assert.False(d.IsNone);
        Assert.Equal(32L * 1024 * 1024 * 1024, d.SizeBytes);
        Assert.Equal(new VolumeIdRef("local", "100/vm-100-disk-0.qcow2"), d.Volume);
        Assert.Null(d.ImportFrom);
        Assert.False(d.IsAllocation(out _, out _));
        Assert.Equal("local:100/vm-100-disk-0.qcow2,discard=on,iothread=1,size=32G", d.ToString());
    }

    [Theory]
    [InlineData("none,media=cdrom", true, true)]
    [InlineData("cdrom,media=cdrom", true, true)]
    [InlineData("local:iso/debian-12.7.0-amd64-netinst.iso,media=cdrom,size=631M", true, false)]
    [InlineData("local:103/vm-103-cloudinit.qcow2,media=cdrom", true, false)]
    [InlineData("local:100/vm-100-disk-0.raw,media=disk", false, false)]
    public void Cdrom_and_none(string value, bool cdrom, bool none)
    {
        var d = DriveSpec.Parse(value);
        Assert.Equal(cdrom, d.IsCdrom);
        Assert.Equal(none, d.IsNone);
        Assert.Equal(none, d.Volume is null);
    }

    [Fact]
    public void Iso_size_in_kib()
    {
        var d = DriveSpec.Parse("local:iso/virtio-win-0.1.262.iso,media=cdrom,size=708140K");
        Assert.Equal(708140L * 1024, d.SizeBytes);
        Assert.Equal("iso/virtio-win-0.1.262.iso", d.Volume!.Value.VolName);
    }

    [Fact]
    public void Missing_or_bad_size_is_null()
    {
        Assert.Null(DriveSpec.Parse("local:100/vm-100-disk-3.qcow2").SizeBytes);
        Assert.Null(DriveSpec.Parse("local:100/vm-100-disk-3.qcow2,size=4GB").SizeBytes);
    }

    [Fact]
    public void Setting_size_and_file_keeps_option_order()
    {
        var d = DriveSpec.Parse("local:100/vm-100-disk-0.qcow2,cache=writeback,size=32G,ssd=1");
        d.SizeBytes = 48L * 1024 * 1024 * 1024 + 512L * 1024 * 1024;
        d.File = "fast:100/vm-100-disk-1.qcow2";
        Assert.Equal("fast:100/vm-100-disk-1.qcow2,cache=writeback,size=49664M,ssd=1", d.ToString());
        d.SizeBytes = null;
        Assert.Equal("fast:100/vm-100-disk-1.qcow2,cache=writeback,ssd=1", d.ToString());
    }

    [Theory]
    [InlineData("local:4", "local", 4.0)]
    [InlineData("nfs-shared:0.5", "nfs-shared", 0.5)]
    [InlineData("local.fast_2:32", "local.fast_2", 32.0)]
    public void Allocation_requests(string file, string storage, double gib)
    {
        var d = DriveSpec.Parse(file + ",discard=on");
        Assert.True(d.IsAllocation(out var sid, out var size));
        Assert.Equal(storage, sid);
        Assert.Equal(gib, size);
    }

    [Theory]
    [InlineData("local:100/vm-100-disk-0.raw")]
    [InlineData("local:iso/x.iso")]
    [InlineData("none")]
    [InlineData("Local:4")]
    [InlineData("local:-4")]
    [InlineData("local:4G")]
    public void Not_allocation_requests(string file) =>
        Assert.False(DriveSpec.Parse(file).IsAllocation(out _, out _));

    [Fact]
    public void Import_from()
    {
        var d = DriveSpec.Parse("local:0,import-from=local:import/win2022-efi/win2022-efi.vmdk,discard=on");
        Assert.Equal("local:import/win2022-efi/win2022-efi.vmdk", d.ImportFrom);
        Assert.True(d.IsAllocation(out var sid, out var gib));
        Assert.Equal(("local", 0.0), (sid, gib));
    }

    [Fact]
    public void Explicit_file_key_is_printed_without_its_name()
    {
        var d = DriveSpec.Parse("file=local:100/vm-100-disk-0.raw,size=1G");
        Assert.Equal("local:100/vm-100-disk-0.raw", d.File);
        Assert.Equal("local:100/vm-100-disk-0.raw,size=1G", d.ToString());
    }

    [Theory]
    [InlineData("local:100/vm-100-disk-0.qcow2", "local", "100/vm-100-disk-0.qcow2")]
    [InlineData("nfs-shared:iso/a:b.iso", "nfs-shared", "iso/a:b.iso")]
    [InlineData("a1:x", "a1", "x")]
    public void Volume_id_refs(string text, string storage, string volname)
    {
        Assert.True(VolumeIdRef.TryParse(text, out var v));
        Assert.Equal(storage, v.Storage);
        Assert.Equal(volname, v.VolName);
        Assert.Equal(text, v.ToString());
    }

    [Theory]
    [InlineData("/dev/sdb")]
    [InlineData("local")]
    [InlineData("local:")]
    [InlineData("1local:x")]
    [InlineData("a:x")]
    [InlineData("local-:x")]
    public void Not_volume_id_refs(string text) => Assert.False(VolumeIdRef.TryParse(text, out _));

    [Theory]
    [InlineData("local:\u0661")]
    [InlineData("local:4\n")]
    [InlineData("local:4.\u0665")]
    public void An_allocation_has_ascii_digits_only(string file) =>
        Assert.False(DriveSpec.Parse(file).IsAllocation(out _, out _));

    [Fact]
    public void A_stored_drive_value_that_does_not_parse_is_skipped_when_listing_drives()
    {
        var s = new QmSection { ["scsi0"] = "local:100/vm-100-disk-0.qcow2,size=4G,size=8G", ["scsi1"] = "local:100/vm-100-disk-1.qcow2" };
        Assert.Equal(["scsi1"], Drives.All(s).Select(d => d.Key));
        Assert.Null(DriveSpec.TryParse("a,b"));
    }
}

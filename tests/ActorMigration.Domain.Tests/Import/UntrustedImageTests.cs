using System.Buffers.Binary;
using System.Text;
using ActorMigration.Domain.Import;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Tests.Import;

public class UntrustedImageTests
{
    private const string What = "local:import/x";

    private static byte[] Qcow2(string? backing = null, bool dataFile = false)
    {
        var h = new byte[4096];
        h[0] = (byte)'Q';
        h[1] = (byte)'F';
        h[2] = (byte)'I';
        h[3] = 0xfb;
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), 3);
        if (backing is not null)
        {
            BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(8), 1024);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), (uint)backing.Length);
            Encoding.UTF8.GetBytes(backing).CopyTo(h, 1024);
        }
        if (dataFile) BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(72), 4);
        return h;
    }

    private static byte[] Descriptor(string extents, string extra = "") =>
        Encoding.ASCII.GetBytes($"# Disk DescriptorFile\nversion=1\n{extra}createType=\"monolithicFlat\"\n{extents}\n");

    [Fact]
    public void A_qcow2_backing_file_is_refused_with_proxmoxs_text()
    {
        var facts = ImageHeader.Read(Qcow2("/etc/passwd"), "qcow2");
        Assert.Equal("/etc/passwd", facts.BackingFile);
        Assert.Equal($"backing file not allowed for untrusted image '{What}'!", UntrustedImage.Refusal(What, facts));
    }

    [Fact]
    public void A_qcow2_external_data_file_is_refused()
    {
        var facts = ImageHeader.Read(Qcow2(dataFile: true), "qcow2");
        Assert.Equal($"{What}: 'data-file' references are not allowed!", UntrustedImage.Refusal(What, facts));
    }

    [Fact]
    public void A_plain_qcow2_and_anything_read_as_raw_pass()
    {
        Assert.Null(UntrustedImage.Refusal(What, ImageHeader.Read(Qcow2(), "qcow2")));
        // A qcow2 header in a file named .raw is only bytes: its backing file means nothing.
        Assert.Null(UntrustedImage.Refusal(What, ImageHeader.Read(Qcow2("/etc/passwd", dataFile: true), "raw")));
    }

    [Theory]
    [InlineData("RW 2048 FLAT \"/etc/passwd\" 0", "extent '/etc/passwd' is not allowed - only a file beside the descriptor is")]
    [InlineData("RW 2048 FLAT \"../secret\" 0", "extent '../secret' is not allowed - only a file beside the descriptor is")]
    [InlineData("RW 2048 FLAT \"sub/x-flat.vmdk\" 0", "extent 'sub/x-flat.vmdk' is not allowed - only a file beside the descriptor is")]
    [InlineData("RW 2048 FLAT \"json:{}\" 0", "extent 'json:{}' is not allowed - only a file beside the descriptor is")]
    [InlineData("  RW\t+2048 VMFS \"..\"", "extent '..' is not allowed - only a file beside the descriptor is")]
    [InlineData("RW 1 FLAT \"a.vmdk\" 0\nRW 1 FLAT \"b.vmdk\" 0", "multiple children or extents are not allowed!")]
    [InlineData("RW 2048 FLAT \"open", "the VMDK descriptor cannot be read")]
    public void Vmdk_extents_outside_the_descriptors_directory_are_refused(string extents, string why) =>
        Assert.Equal($"{What}: {why}", UntrustedImage.Refusal(What, ImageHeader.Read(Descriptor(extents), "vmdk")));

    [Fact]
    public void An_esxi_descriptor_with_its_flat_extent_beside_it_passes()
    {
        var facts = ImageHeader.Read(Descriptor("RW 83886080 VMFS \"web 01-flat.vmdk\"\nRW 2048 ZERO"), "vmdk");
        Assert.Equal(["web 01-flat.vmdk"], facts.Extents);
        Assert.Null(UntrustedImage.Refusal(What, facts));
        // The same inside an archive refers to a file outside the member.
        Assert.StartsWith($"{What}: extent 'web 01-flat.vmdk' is not allowed", UntrustedImage.Refusal(What, facts, insideArchive: true));
    }

    [Fact]
    public void A_vmdk_parent_is_a_backing_file()
    {
        var facts = ImageHeader.Read(Descriptor("RW 8 FLAT \"x-flat.vmdk\" 0", "parentFileNameHint=\"/etc/passwd\"\n"), "vmdk");
        Assert.Equal($"backing file not allowed for untrusted image '{What}'!", UntrustedImage.Refusal(What, facts));
    }

    [Fact]
    public void A_sparse_vmdk_of_capacity_zero_is_governed_by_its_embedded_descriptor()
    {
        var h = new byte[64 * 1024];
        "KDMV"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(28), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(36), 20);
        Descriptor("RW 2048 FLAT \"/etc/passwd\" 0").CopyTo(h, 512);
        Assert.Equal(["/etc/passwd"], ImageHeader.Read(h, "vmdk").Extents);
        // With a capacity the file is its own extent: the embedded extent lines mean nothing to QEMU.
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(12), 2048);
        Assert.Null(UntrustedImage.Refusal(What, ImageHeader.Read(h, "vmdk")));
    }

    [Theory]
    [InlineData("local:import/a.raw", "raw")]
    [InlineData("local:import/a.img", "raw")]
    [InlineData("local:import/a.qcow2", "qcow2")]
    [InlineData("local:import/x.ova/disk.vmdk", "vmdk")]
    [InlineData("local:iso/a.iso", "raw")]
    [InlineData("local:100/vm-100-disk-0.vmdk", "vmdk")]
    [InlineData("local:import/vm.ovf", null)]
    [InlineData("local:backup/vzdump-qemu-100-x.tar", null)]
    public void The_format_comes_from_the_name(string volid, string? format) =>
        Assert.Equal(format, UntrustedImage.FormatOf(VolumeName.Parse(volid)));

    [Fact]
    public void Restored_disks_are_qcow2_or_raw()
    {
        Assert.Null(UntrustedImage.RestoreRefusal("local:backup/b.tar", "scsi0", "qcow2"));
        Assert.Equal("backup 'local:backup/b.tar': disk 'scsi0' has format 'vmdk' - only qcow2 or raw is restored",
            UntrustedImage.RestoreRefusal("local:backup/b.tar", "scsi0", "vmdk"));
    }
}

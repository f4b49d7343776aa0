using System.Buffers.Binary;
using System.Text;
using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

public class GuestNameTests
{
    [Theory]
    [InlineData("Win_2008-R2x64", "Win2008-R2x64")]
    [InlineData("  web 01\tprod ", "web-01-prod")]
    [InlineData("a..b", "a.b")]
    [InlineData("-a-.-b-", "a.b")]
    [InlineData("ünïcødé", "ncd")]
    [InlineData("___", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Sanitizes_to_a_dns_name(string? raw, string? name) => Assert.Equal(name, GuestName.ToDnsName(raw));
}

public class AllocationUnitsTests
{
    [Theory]
    [InlineData("byte", 1L)]
    [InlineData("bytes", 1L)]
    [InlineData("byte * 2^10", 1024L)]
    [InlineData(" byte*2^20 ", 1048576L)]
    [InlineData("byte * 10^3", 1000L)]
    [InlineData("Byte * 2^30", 1073741824L)]
    [InlineData("MegaBytes", 1048576L)]
    [InlineData("GB", 1073741824L)]
    [InlineData("byte * 2^99", null)]
    [InlineData("hertz * 10^6", null)]
    // Exponents are bounded: the result must fit in a long and e <= MaxExponent, whatever the base.
    [InlineData("byte * 2^62", 4611686018427387904L)]
    [InlineData("byte * 2^63", null)]
    [InlineData("byte * 1^64", 1L)]
    [InlineData("byte * 1^65", null)]
    [InlineData("byte * 1^2147483647", null)]
    [InlineData("byte * 2^99999999999", null)]
    [InlineData("byte * 99999999999999999999^2", null)]
    [InlineData("byte * \u0662^\u0662\u0660", null)]  // Arabic-Indic digits are not numbers here
    [InlineData(null, null)]
    public void Bytes_per_unit(string? units, long? bytes) => Assert.Equal(bytes, AllocationUnits.BytesPerUnit(units));

    [Theory]
    [InlineData("128", "byte * 2^30", 137438953472L)]
    [InlineData("${disk.size}", "byte * 2^30", null)]
    [InlineData("-1", "byte", null)]
    [InlineData("9223372036854775807", "byte * 2^10", null)]
    public void To_bytes(string qty, string units, long? bytes) => Assert.Equal(bytes, AllocationUnits.ToBytes(qty, units));
}

public class VmdkSizeTests
{
    [Theory]
    [InlineData("ovf/Win10-Liz-disk1.vmdk", 2048L)]
    [InlineData("ovf/disk1.vmdk", 2048L)]
    [InlineData("vmx/win2022-efi/win2022-efi.vmdk", 85899345920L)]
    [InlineData("vmx/debian11-bios/data/debian11-data.vmdk", 107374182400L)]
    public void Reads_fixture_sizes(string file, long size)
    {
        var bytes = File.ReadAllBytes(Fixtures.PathOf(file.Split('/')));
        Assert.True(VmdkSize.TryRead(bytes, out var read));
        Assert.Equal(size, read);
    }

    [Fact]
    public void Sparse_header_capacity_is_in_sectors()
    {
        var head = new byte[512];
        "KDMV"u8.CopyTo(head);
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(12), 20971520);
        Assert.True(VmdkSize.TryRead(head, out var size));
        Assert.Equal(10L << 30, size);
    }

    [Fact]
    public void Extents_are_summed()
    {
        const string d = "# Disk DescriptorFile\nversion=1\ncreateType=\"twoGbMaxExtentSparse\"\nRW 4192256 SPARSE \"a-s001.vmdk\"\nRW 4192256 SPARSE " +
            "\"a-s002.vmdk\"\nRW 2048 SPARSE \"a-s003.vmdk\"\n";
        Assert.True(VmdkSize.TryRead(Encoding.ASCII.GetBytes(d), out var size));
        Assert.Equal((4192256L * 2 + 2048) * 512, size);
    }

    [Theory]
    [InlineData("not a vmdk")]
    [InlineData("# Disk DescriptorFile\nversion=1\n")]
    [InlineData("")]
    public void Anything_else_is_not_understood(string text) => Assert.False(VmdkSize.TryRead(Encoding.ASCII.GetBytes(text), out _));
}

public class NicModelsTests
{
    [Theory]
    [InlineData("e1000", "e1000")]
    [InlineData(" E1000E ", "e1000e")]
    [InlineData("VMXNET3", "vmxnet3")]
    [InlineData("virtio", "e1000")]
    [InlineData("rtl8139", "e1000")]
    [InlineData(null, "e1000")]
    public void Maps(string? source, string model) => Assert.Equal(model, NicModels.Map(source));
}

public class ImportWarningTests
{
    [Theory]
    [InlineData("cdrom-image-ignored", "sata0", null, "'sata0'")]
    [InlineData("nvme-unsupported", "nvme0:0", "x.vmdk", "'nvme0:0' will get attached as SCSI")]
    [InlineData("ovmf-with-lsi-unsupported", "scsihw", "pvscsi", "set to 'pvscsi'")]
    [InlineData("serial-port-socket-only", "serial1", null, "'serial1'")]
    [InlineData("something-new", null, null, "something-new")]
    public void Describes_for_the_task_log(string type, string? key, string? value, string part)
    {
        var text = new ImportWarning(type, key, value).Describe();
        Assert.StartsWith("warning: ", text);
        Assert.Contains(part, text);
    }

    [Fact]
    public void Every_known_type_has_its_own_text()
    {
        var texts = ImportWarningType.All.Select(t => new ImportWarning(t, "k", "v").Describe()).ToList();
        Assert.Equal(7, texts.Distinct().Count());
        Assert.All(texts.Zip(ImportWarningType.All), x => Assert.NotEqual($"warning: {x.Second}", x.First));
    }

    [Fact]
    public void Os_tables_only_produce_proxmox_ostypes()
    {
        string[] ostypes = ["other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10", "win11", "l24", "l26", "solaris"];
        Assert.All(OvfOsTypes.Table.Values, t => Assert.Contains(t, ostypes));
    }
}

using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Tests.Config;

/// <summary>qemu-server's <c>boot</c> format (order= and the legacy letters) and <c>bootdisk</c>.</summary>
public class BootOrderTests
{
    [Theory]
    [InlineData("cdn")]
    [InlineData("c")]
    [InlineData("dcna")]
    [InlineData("order=scsi0;net0;ide2")]
    [InlineData("order=virtio15;hostpci3;usb13;sata5")]
    [InlineData("legacy=cdn")]
    [InlineData("cdn,order=scsi0")]
    public void Valid_values_pass(string value) => Assert.Null(BootOrder.Check(value));

    [Theory]
    [InlineData("order=scsi0,order=net0", "duplicate key in comma-separated list property: order")]
    [InlineData("cdn,dc", "duplicate key in comma-separated list property: legacy")]
    [InlineData("xyz", "format error\nlegacy: value does not match the regex pattern")]
    [InlineData("cdnac", "format error\nlegacy: value does not match the regex pattern")]
    [InlineData("c\u0661", "format error\nlegacy: value does not match the regex pattern")]
    [InlineData("order=scsi0;foo", "format error\norder: invalid format - invalid boot device 'foo'")]
    [InlineData("order=efidisk0", "format error\norder: invalid format - invalid boot device 'efidisk0'")]
    [InlineData("order=unused0", "format error\norder: invalid format - invalid boot device 'unused0'")]
    [InlineData("order=scsi\u0661", "format error\norder: invalid format - invalid boot device 'scsi\u0661'")]
    [InlineData("order=net32", "format error\norder: invalid format - invalid boot device 'net32'")]
    [InlineData("menu=1", "invalid key in comma-separated list property: menu")]
    public void Invalid_values_are_refused_with_parse_property_string_texts(string value, string error) =>
        Assert.Equal(error, BootOrder.Check(value));

    [Theory]
    [InlineData("scsi0", null)]
    [InlineData("virtio15", null)]
    [InlineData("efidisk0", null)]
    [InlineData("unused0", "invalid boot disk 'unused0'")]
    [InlineData("scsi31", "invalid boot disk 'scsi31'")]
    [InlineData("net0", "invalid boot disk 'net0'")]
    [InlineData("scsi\u0661", "invalid boot disk 'scsi\u0661'")]
    public void Bootdisk_must_name_a_drive(string value, string? error) => Assert.Equal(error, BootOrder.CheckBootDisk(value));

    [Theory]
    [InlineData("order=scsi1;net0;scsi0", null, new[] { "scsi1", "scsi0" })]
    [InlineData("cdn", "scsi2", new[] { "scsi2" })]
    [InlineData("cdn", null, new string[0])]
    [InlineData(null, "virtio0", new[] { "virtio0" })]
    [InlineData("cdn,order=scsi1", "scsi2", new[] { "scsi2" })] // get_bootdisks: legacy letters win
    [InlineData("garbage,garbage", "scsi3", new[] { "scsi3" })] // unreadable: as if absent
    [InlineData("order=scsi0,order=net0", null, new string[0])]
    public void Boot_disks_are_read_like_get_bootdisks_and_never_throw(string? boot, string? bootdisk, string[] expected)
    {
        var c = new QmSection { ["boot"] = boot, ["bootdisk"] = bootdisk };
        Assert.Equal(expected, BootOrder.Disks(c));
    }
}

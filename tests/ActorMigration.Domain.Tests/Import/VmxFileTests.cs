using ActorMigration.Domain.Import;

namespace ActorMigration.Domain.Tests.Import;

public class VmxFileTests
{
    [Fact]
    public void Parses_the_fixture_with_escapes_and_embedded_quotes()
    {
        var vmx = VmxFile.Parse(Fixtures.Text("vmx", "debian11-bios", "debian11-bios.vmx"));
        Assert.Equal("Build runner\nmanaged by ops\"team\"", vmx["annotation"]);
        Assert.Equal("UTF-8", vmx[".encoding"]);
        Assert.Equal("pvscsi", vmx["SCSI0.VIRTUALDEV"]);
    }

    [Fact]
    public void Single_quotes_inside_double_quotes_are_kept()
    {
        var vmx = VmxFile.Parse(Fixtures.Text("vmx", "win2022-efi", "win2022-efi.vmx"));
        Assert.StartsWith("architecture='X86' bitness='64'", vmx["guestInfo.detailed.data"]);
    }

    [Fact]
    public void Last_duplicate_wins()
    {
        Assert.Equal("2", VmxFile.Parse("a = \"1\"\nA = \"2\"")["a"]);
    }

    [Fact]
    public void Booleans()
    {
        var vmx = VmxFile.Parse("a = \"TRUE\"\nb = \"false\"\nc = \"x\"");
        Assert.True(vmx.IsTrue("a"));
        Assert.False(vmx.IsTrue("b"));
        Assert.True(vmx.IsFalse("b"));
        Assert.False(vmx.IsTrue("c"));
        Assert.False(vmx.IsFalse("c"));
        Assert.False(vmx.IsFalse("missing"));
    }

    [Fact]
    public void Empty_values_and_bom()
    {
        var vmx = VmxFile.Parse("\uFEFFscsi0:0.redo = \"\"\nx =");
        Assert.Equal("", vmx["scsi0:0.redo"]);
        Assert.Equal("", vmx["x"]);
    }
}

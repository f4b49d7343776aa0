using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Tests.Config;

public class PropertyStringTests
{
    [Fact]
    public void Parses_default_key_and_named_items_in_order()
    {
        var ps = PropertyString.Parse("local:100/vm-100-disk-0.qcow2,discard=on,iothread=1,size=32G", "file");
        Assert.Equal(
            new[]
            {
                KeyValuePair.Create("file", "local:100/vm-100-disk-0.qcow2"), KeyValuePair.Create("discard", "on"),
                KeyValuePair.Create("iothread", "1"), KeyValuePair.Create("size", "32G"),
            },
            ps.Items);
        Assert.Equal("32G", ps["size"]);
        Assert.Null(ps["cache"]);
        Assert.True(ps.Has("discard"));
        Assert.False(ps.Has("cache"));
    }

    [Fact]
    public void Value_may_contain_equals_signs()
    {
        var ps = PropertyString.Parse("uuid=abc,base64=1,manufacturer=QUJD==", null);
        Assert.Equal("QUJD==", ps["manufacturer"]);
        Assert.Equal("uuid=abc,base64=1,manufacturer=QUJD==", ps.Print());
    }

    [Fact]
    public void Print_puts_the_default_value_first_without_its_name()
    {
        var ps = PropertyString.Parse("size=4G,file=local:100/vm-100-disk-0.raw,cache=none");
        Assert.Equal("local:100/vm-100-disk-0.raw,size=4G,cache=none", ps.Print("file"));
        Assert.Equal("size=4G,file=local:100/vm-100-disk-0.raw,cache=none", ps.ToString());
    }

    [Fact]
    public void Set_replaces_in_place_appends_new_and_null_removes()
    {
        var ps = PropertyString.Parse("a=1,b=2,c=3");
        ps["b"] = "20";
        ps["d"] = "4";
        ps.Set("a", null);
        ps.Set("zz", null);
        Assert.Equal("b=20,c=3,d=4", ps.Print());
    }

    [Fact]
    public void Empty_text_is_empty()
    {
        Assert.Empty(PropertyString.Parse("", "file").Items);
        Assert.Equal("", new PropertyString().Print("file"));
    }

    [Fact]
    public void Value_without_key_needs_a_default_key()
    {
        var e = Assert.Throws<FormatException>(() => PropertyString.Parse("virtio,bridge=vmbr0"));
        Assert.Contains("missing key", e.Message);
        Assert.Contains("virtio", e.Message);
    }

    [Fact]
    public void Second_value_without_key_is_refused()
    {
        Assert.Throws<FormatException>(() => PropertyString.Parse("a,b", "file"));
    }

    // ---- Known bugs ----

    [Theory]
    [InlineData("local:100/vm-100-disk-0.qcow2,size=4G,")]
    [InlineData("local:100/vm-100-disk-0.qcow2,,size=4G")]
    public void Empty_parts_are_skipped_like_parse_property_string(string text)
    {
        // PVE::JSONSchema::parse_property_string: next if $part =~ /^\s*$/;
        var ps = PropertyString.Parse(text, "file");
        Assert.Equal("local:100/vm-100-disk-0.qcow2,size=4G", ps.Print("file"));
    }

    [Fact]
    public void Duplicate_keys_are_refused_like_parse_property_string()
    {
        // "duplicate key in comma-separated list property: size"
        var e = Assert.Throws<FormatException>(() => PropertyString.Parse("local:1,size=4G,size=8G", "file"));
        Assert.Contains("duplicate key", e.Message);
    }

    [Fact]
    public void The_default_key_value_may_stand_anywhere()
    {
        // parse_property_string accepts the key-less value in any position.
        var ps = PropertyString.Parse("media=cdrom,none", "file");
        Assert.Equal("none", ps["file"]);
        Assert.Equal("cdrom", ps["media"]);
    }
}

using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Tests.Config;

public class NetSpecTests
{
    [Theory]
    [InlineData("virtio=BC:24:11:5A:3C:01,bridge=vmbr0,firewall=1", "virtio", "BC:24:11:5A:3C:01", "vmbr0")]
    [InlineData("e1000=BC:24:11:A1:B2:C4,bridge=vmbr1,link_down=1", "e1000", "BC:24:11:A1:B2:C4", "vmbr1")]
    [InlineData("e1000e=BC:24:11:C0:FF:EE,bridge=vmbr0", "e1000e", "BC:24:11:C0:FF:EE", "vmbr0")]
    [InlineData("vmxnet3=00:50:56:ab:cd:ef,bridge=vmbr0,tag=20,rate=12.5,queues=4,mtu=1", "vmxnet3", "00:50:56:ab:cd:ef", "vmbr0")]
    [InlineData("rtl8139=BC:24:11:00:00:01", "rtl8139", "BC:24:11:00:00:01", null)]
    public void Model_equals_mac_form_round_trips(string text, string model, string mac, string? bridge)
    {
        var n = NetSpec.Parse(text);
        Assert.Equal(model, n.Model);
        Assert.Equal(mac, n.Mac);
        Assert.Equal(bridge, n.Props["bridge"]);
        Assert.Null(n.Props[model]);
        Assert.Equal(text, n.ToString());
    }

    [Fact]
    public void Model_key_form_is_printed_as_model_equals_mac()
    {
        var n = NetSpec.Parse("model=virtio,macaddr=BC:24:11:5A:3C:01,bridge=vmbr0");
        Assert.Equal("virtio", n.Model);
        Assert.Equal("BC:24:11:5A:3C:01", n.Mac);
        Assert.Equal("virtio=BC:24:11:5A:3C:01,bridge=vmbr0", n.ToString());
    }

    [Fact]
    public void Model_without_mac()
    {
        var n = NetSpec.Parse("virtio,bridge=vmbr0,firewall=1");
        Assert.Equal("virtio", n.Model);
        Assert.Null(n.Mac);
        Assert.Equal("virtio,bridge=vmbr0,firewall=1", n.ToString());
        n.Mac = "BC:24:11:00:00:02";
        Assert.Equal("virtio=BC:24:11:00:00:02,bridge=vmbr0,firewall=1", n.ToString());
    }

    [Fact]
    public void Missing_model_is_refused()
    {
        var e = Assert.Throws<FormatException>(() => NetSpec.Parse("bridge=vmbr0,firewall=1"));
        Assert.Equal("missing network model", e.Message);
    }

    [Theory]
    [InlineData("net0", true)]
    [InlineData("net9", true)]
    [InlineData("net10", true)]
    [InlineData("net29", true)]
    [InlineData("net31", true)]
    [InlineData("net32", false)]
    [InlineData("net", false)]
    [InlineData("net01", false)]
    [InlineData("numa0", false)]
    [InlineData("net0x", false)]
    [InlineData("net\u0661", false)]
    [InlineData("net0\n", false)]
    public void Net_keys(string key, bool ok) => Assert.Equal(ok, NetSpec.IsNetKey(key));

    [Theory]
    [InlineData("BC:24:11:5A:3C:01", true)]
    [InlineData("bc:24:11:5a:3c:01", true)]
    [InlineData("BC:24:11:5A:3C", false)]
    [InlineData("BC-24-11-5A-3C-01", false)]
    [InlineData("BC:24:11:5A:3C:0G", false)]
    [InlineData("BC:24:11:5A:3C:01:02", false)]
    [InlineData("", false)]
    public void Mac_validation(string mac, bool ok) => Assert.Equal(ok, NetSpec.IsValidMac(mac));
}

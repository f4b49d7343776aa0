using ActorMigration.Domain.Tasks;

namespace ActorMigration.Domain.Tests.Tasks;

public class UpidTests
{
    [Fact]
    public void Formats_with_uppercase_zero_padded_hex_and_a_trailing_colon()
    {
        var u = new Upid("node1", 0x1a2b, 0xc0ffe, 1727119827, "qmigrate", "100", "root@pam");
        Assert.Equal("UPID:node1:00001A2B:000C0FFE:66F1C1D3:qmigrate:100:root@pam:", u.ToString());
    }

    [Fact]
    public void Pstart_beyond_32_bits_gets_a_ninth_digit_and_still_parses()
    {
        var u = new Upid("pve-a1", 4242, 0x1_2345_6789, 0x66F1C1D3, "vzdump", "", "backup@pve!nightly");
        var text = u.ToString();
        Assert.Equal("UPID:pve-a1:00001092:123456789:66F1C1D3:vzdump::backup@pve!nightly:", text);
        Assert.Equal(u, Upid.Parse(text));
    }

    [Fact]
    public void Parses_a_real_looking_upid()
    {
        var u = Upid.Parse("UPID:pve1:000B2C3D:01A2B3C4:66F1C1D3:qmigrate:100:root@pam:");
        Assert.Equal("pve1", u.Node);
        Assert.Equal(0xB2C3D, u.Pid);
        Assert.Equal(0x01A2B3C4, u.PStart);
        Assert.Equal(1727119827, u.StartTime);
        Assert.Equal("qmigrate", u.Type);
        Assert.Equal("100", u.Id);
        Assert.Equal("root@pam", u.User);
        Assert.Equal("root@pam", u.UserName);
        Assert.Null(u.TokenId);
    }

    [Fact]
    public void Lowercase_hex_parses_and_prints_uppercase()
    {
        var u = Upid.Parse("UPID:n1:000b2c3d:01a2b3c4:66f1c1d3:qmclone:9000:root@pam:");
        Assert.Equal(0xB2C3D, u.Pid);
        Assert.Equal("UPID:n1:000B2C3D:01A2B3C4:66F1C1D3:qmclone:9000:root@pam:", u.ToString());
    }

    [Fact]
    public void Token_user_is_split()
    {
        var u = Upid.Parse("UPID:n1:00000001:00000002:00000003:qmstart:100:automation@pve!ci-token:");
        Assert.Equal("automation@pve!ci-token", u.User);
        Assert.Equal("automation@pve", u.UserName);
        Assert.Equal("ci-token", u.TokenId);
    }

    [Fact]
    public void Empty_id_is_allowed()
    {
        var u = Upid.Parse("UPID:n1:00000001:00000002:00000003:aptupdate::root@pam:");
        Assert.Equal("", u.Id);
    }

    [Theory]
    [InlineData("UPID:n1:00000001:00000002:00000003:qmstart:100:root@pam")]          // no trailing colon
    [InlineData("upid:n1:00000001:00000002:00000003:qmstart:100:root@pam:")]
    [InlineData("UPID:-n1:00000001:00000002:00000003:qmstart:100:root@pam:")]
    [InlineData("UPID:n1-:00000001:00000002:00000003:qmstart:100:root@pam:")]
    [InlineData("UPID:n_1:00000001:00000002:00000003:qmstart:100:root@pam:")]
    [InlineData("UPID:n1:0000001:00000002:00000003:qmstart:100:root@pam:")]           // 7-digit pid
    [InlineData("UPID:n1:000000001:00000002:00000003:qmstart:100:root@pam:")]         // 9-digit pid
    [InlineData("UPID:n1:00000001:0000002:00000003:qmstart:100:root@pam:")]
    [InlineData("UPID:n1:00000001:0000000002:00000003:qmstart:100:root@pam:")]        // 10-digit pstart
    [InlineData("UPID:n1:00000001:00000002:0000003G:qmstart:100:root@pam:")]
    [InlineData("UPID:n1:00000001:00000002:00000003::100:root@pam:")]                // empty type
    [InlineData("UPID:n1:00000001:00000002:00000003:qm start:100:root@pam:")]
    [InlineData("UPID:n1:00000001:00000002:00000003:qmstart:100::")]                 // empty user
    [InlineData("UPID:n1:00000001:00000002:00000003:qmstart:1/0:root@pam:")]
    [InlineData("UPID:n1:00000001:00000002:00000003:qmstart:100:root@pam:extra:")]
    [InlineData(" UPID:n1:00000001:00000002:00000003:qmstart:100:root@pam:")]
    [InlineData("")]
    public void Refuses_malformed(string text)
    {
        Assert.False(Upid.TryParse(text, out var u));
        Assert.Null(u);
        Assert.Throws<FormatException>(() => Upid.Parse(text));
    }

    [Fact]
    public void Null_is_not_a_upid() => Assert.False(Upid.TryParse(null, out _));

    [Fact]
    public void Random_upids_round_trip()
    {
        var r = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var u = new Upid($"node{r.Next(1, 99)}", r.Next(1, int.MaxValue), r.NextInt64(0, 0xF_FFFF_FFFF), r.NextInt64(0, 0xFFFF_FFFF),
                new[] { "qmigrate", "qmclone", "qmstart", "imgcopy" }[r.Next(4)], r.Next(100, 999999).ToString(),
                r.Next(2) == 0 ? "root@pam" : $"u{r.Next(100)}@pve!t{r.Next(100)}");
            Assert.Equal(u, Upid.Parse(u.ToString()));
            Assert.Matches("^UPID:[^:]+:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:[^:]+:[^:]*:[^:]+:$", u.ToString());
        }
    }

    [Fact]
    public void Parse_error_names_the_upid_like_upid_decode()
    {
        // PVE::UPID::decode: die "unable to parse worker upid '$upid'\n"
        var e = Assert.Throws<FormatException>(() => Upid.Parse("UPID:bad"));
        Assert.Equal("unable to parse worker upid 'UPID:bad'", e.Message);
    }
}

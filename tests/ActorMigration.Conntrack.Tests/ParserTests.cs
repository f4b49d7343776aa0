using System.Net;
using ActorMigration.Drivers.Qemu.Conntrack;

namespace ActorMigration.Conntrack.Tests;

/// <summary>Parsing real output captured from conntrack 1.4.7 (Fixtures/, see docs/conntrack.md).</summary>
public class ParserTests
{
    private static string[] Fixture(string name) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", name))
            .Where(l => l.Trim().Length > 0).ToArray();

    private static ConntrackEntry Find(IEnumerable<ConntrackEntry> entries, string src, int proto, ushort? sport = null) =>
        entries.Single(e => e.Original.Source.Equals(IPAddress.Parse(src)) && e.Protocol == proto
                            && (sport is null || e.Original.SourcePort == sport));

    public static TheoryData<string> FixtureFiles => new()
        { "extended.txt", "save.txt", "default.txt", "traffic-extended.txt", "traffic-save.txt" };

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void Every_captured_line_parses_and_survives_format_round_trip(string file)
    {
        var lines = Fixture(file);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var entry = ConntrackParser.Parse(line);
            var again = ConntrackParser.Parse(ConntrackFormatter.ToSaveLine(entry));
            Assert.Equal(entry, again);
        }
    }

    [Fact]
    public void Extended_tcp_established_assured()
    {
        var e = ConntrackParser.Parse(
            "ipv4     2 tcp      6 431999 ESTABLISHED src=192.0.2.10 dst=198.51.100.20 sport=43512 dport=443 src=198.51.100.20 dst=192.0.2.10 " +
                "sport=443 dport=43512 [ASSURED] mark=100 use=1");
        Assert.Equal(ConntrackFamily.IPv4, e.Family);
        Assert.Equal(ConntrackProtocols.Tcp, e.Protocol);
        Assert.Equal("ESTABLISHED", e.State);
        Assert.Equal(431999u, e.Timeout);
        Assert.Equal(100u, e.Mark);
        Assert.Null(e.Zone);
        Assert.Equal(ConntrackStatus.SeenReply | ConntrackStatus.Assured, e.Status);
        Assert.Equal(new ConntrackTuple(IPAddress.Parse("192.0.2.10"), IPAddress.Parse("198.51.100.20"), 43512, 443), e.Original);
        Assert.Equal(e.Original.Inverted(), e.Reply);
    }

    [Fact]
    public void Extended_fixture_fields()
    {
        var all = Fixture("extended.txt").Select(ConntrackParser.Parse).ToList();
        Assert.Equal(12, all.Count);

        var udp6 = Find(all, "2001:db8::10", ConntrackProtocols.Udp);
        Assert.Equal(ConntrackFamily.IPv6, udp6.Family);
        Assert.Equal((ushort)7, udp6.Zone);
        Assert.Equal(ConntrackStatus.None, udp6.Status); // [UNREPLIED]
        Assert.Null(udp6.State);

        var icmp = Find(all, "192.0.2.10", ConntrackProtocols.Icmp);
        Assert.Equal(new ConntrackIcmp(8, 0, 4242), icmp.Icmp);
        Assert.Null(icmp.Original.SourcePort);

        var icmp6 = Find(all, "2001:db8::10", ConntrackProtocols.IcmpV6);
        Assert.Equal(new ConntrackIcmp(128, 0, 77), icmp6.Icmp);
        Assert.Equal(ConntrackStatus.SeenReply, icmp6.Status);

        var snat = Find(all, "192.0.2.10", ConntrackProtocols.Tcp, 50000);
        Assert.Equal(ConntrackStatus.SeenReply | ConntrackStatus.Assured | ConntrackStatus.SrcNat, snat.Status);
        Assert.Equal(IPAddress.Parse("198.51.100.99"), snat.Reply.Destination);
        Assert.Equal((ushort)61000, snat.Reply.DestinationPort);

        var dnat = Find(all, "2001:db8::20", ConntrackProtocols.Udp);
        Assert.Equal(ConntrackStatus.SeenReply | ConntrackStatus.DstNat, dnat.Status);
        Assert.Equal(200u, dnat.Mark);

        var sctp = Find(all, "192.0.2.30", ConntrackProtocols.Sctp);
        Assert.Equal("ESTABLISHED", sctp.State);
        Assert.Null(sctp.OriginalVtag); // the listing does not show vtags

        var gre = Find(all, "192.0.2.50", ConntrackProtocols.Gre);
        Assert.Equal((ushort?)5, gre.Original.SourcePort); // printed as srckey=0x5
        Assert.Equal((ushort?)6, gre.Original.DestinationPort);

        var esp = Find(all, "192.0.2.60", 50);
        Assert.Equal("50", esp.ProtocolName);

        var lite = Find(all, "192.0.2.40", ConntrackProtocols.UdpLite);
        Assert.Equal((ushort)65535, lite.Zone);

        var maxMark = Find(all, "192.0.2.11", ConntrackProtocols.Tcp);
        Assert.Equal(uint.MaxValue, maxMark.Mark);
        Assert.Equal("SYN_SENT", maxMark.State);
    }

    [Fact]
    public void Save_fixture_has_nat_bits_and_vtags()
    {
        var all = Fixture("save.txt").Select(ConntrackParser.Parse).ToList();
        Assert.All(all, e => Assert.Equal(0u, e.Mark)); // -o save prints no mark

        var sctp = Find(all, "192.0.2.30", ConntrackProtocols.Sctp);
        Assert.Equal(305419896u, sctp.OriginalVtag);
        Assert.Equal(2271560481u, sctp.ReplyVtag);

        var snat = Find(all, "192.0.2.10", ConntrackProtocols.Tcp, 50000);
        Assert.True(snat.Status.HasFlag(ConntrackStatus.SrcNat));
        Assert.Equal(IPAddress.Parse("198.51.100.99"), snat.Reply.Destination); // from -n

        var dnat = Find(all, "2001:db8::20", ConntrackProtocols.Udp);
        Assert.True(dnat.Status.HasFlag(ConntrackStatus.DstNat));
        Assert.Equal(IPAddress.Parse("2001:db8::10"), dnat.Reply.Source); // from -g
        Assert.Equal((ushort?)53, dnat.Reply.SourcePort);
    }

    [Fact]
    public void Save_and_listing_of_the_same_table_agree()
    {
        // same table captured twice: the listing's NAT inference must match the kernel's NAT bits
        var save = Fixture("save.txt").Select(ConntrackParser.Parse).ToDictionary(e => e.Key);
        var listing = Fixture("extended.txt").Select(ConntrackParser.Parse).ToList();
        Assert.Equal(save.Count, listing.Count);
        foreach (var e in listing)
        {
            var s = save[e.Key];
            Assert.Equal(s.Reply, e.Reply);
            Assert.Equal(s.State, e.State);
            Assert.Equal(s.Status, e.Status);
            Assert.Equal(s.Zone, e.Zone);
            Assert.Equal(s.Icmp, e.Icmp);
            Assert.Equal(s.Timeout, e.Timeout);
        }
    }

    [Fact]
    public void Default_listing_without_layer3_column_equals_extended()
    {
        var ext = Fixture("extended.txt").Select(ConntrackParser.Parse).ToList();
        var def = Fixture("default.txt").Select(ConntrackParser.Parse).ToList();
        Assert.Equal(ext, def);
    }

    [Fact]
    public void Real_traffic_entries()
    {
        var tcp = ConntrackParser.Parse(Fixture("traffic-extended.txt").Single(l => l.Contains(" tcp ")));
        Assert.Equal("ESTABLISHED", tcp.State);
        Assert.Equal(ConntrackStatus.SeenReply | ConntrackStatus.Assured, tcp.Status);
        Assert.Equal(IPAddress.Loopback, tcp.Original.Source);
        Assert.Equal(100u, tcp.Mark);

        var udp = ConntrackParser.Parse(Fixture("traffic-save.txt").Single(l => l.Contains("-p udp")));
        Assert.Equal(IPAddress.IPv6Loopback, udp.Original.Source);
        Assert.Equal(ConntrackStatus.None, udp.Status);
    }

    [Theory]
    [InlineData("tcp      6 99 TIME_WAIT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 packets=3 bytes=180 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 " +
        "packets=2 bytes=120 [ASSURED] mark=5 secctx=system_u:object_r:unlabeled_t:s0 use=2 id=12345")]
    [InlineData("ipv4     2 tcp      6 99 TIME_WAIT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] " +
        "[OFFLOAD] mark=5 use=1 id=7")]
    public void Listing_ignores_counters_ids_and_host_local_flags(string line)
    {
        var e = ConntrackParser.Parse(line);
        Assert.Equal("TIME_WAIT", e.State);
        Assert.Equal(5u, e.Mark);
        Assert.Equal(ConntrackStatus.SeenReply | ConntrackStatus.Assured, e.Status);
        Assert.Equal(e.Original.Inverted(), e.Reply);
    }

    [Fact]
    public void Icmp_id_after_attributes_is_the_conntrack_id()
    {
        var e = ConntrackParser.Parse(
            "ipv4     2 icmp     1 29 src=192.0.2.10 dst=198.51.100.1 type=8 code=0 id=4242 [UNREPLIED] src=198.51.100.1 dst=192.0.2.10 type=0 code=0 " +
                "id=4242 mark=100 use=1 id=1782442769");
        Assert.Equal(new ConntrackIcmp(8, 0, 4242), e.Icmp);
    }

    [Fact]
    public void Save_accepts_long_options_and_hex_mark()
    {
        var e = ConntrackParser.Parse(
            "-I --timeout 10 --status ASSURED,SEEN_REPLY --zone 3 --orig-src 2001:db8::1 --orig-dst 2001:db8::2 --proto udp --orig-port-src 1000 " +
                "--orig-port-dst 53 --mark 0x64");
        Assert.Equal(100u, e.Mark);
        Assert.Equal((ushort)3, e.Zone);
        Assert.Equal(e.Original.Inverted(), e.Reply); // reply defaults to the mirrored original
    }

    [Theory]
    [InlineData("", "empty line")]
    [InlineData("garbage", "too few fields")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p tcp --sport 1 --dport 2 --state ESTABLISHED -F", "unsupported option '-F'")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p tcp --sport 1 --dport 2 --state ESTABLISHED ; rm -rf /", "unsupported option ';'")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p tcp --sport 1 --dport 2 --state ESTABLISHED --mark 1 -m 2", "repeats")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p tcp --sport 1 --dport 2 --state", "needs a value")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p tcp --sport 1 --dport 2", "tcp needs a state")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p tcp --sport 1 --state ESTABLISHED", "needs --sport and --dport")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p tcp --sport 70000 --dport 2 --state ESTABLISHED", "bad source port '70000'")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 2001:db8::2 -p udp --sport 1 --dport 2", "mix IPv4 and IPv6")]
    [InlineData("-A -t 1 -s 192.0.2.300 -d 192.0.2.2 -p udp --sport 1 --dport 2", "bad IP address '192.0.2.300'")]
    [InlineData("-A -t 1 -s 1 -d 192.0.2.2 -p udp --sport 1 --dport 2", "bad IP address '1'")]
    [InlineData("-A -t 1 -s fe80::1%2 -d fe80::2 -p udp --sport 1 --dport 2", "bad IP address")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p udp --sport 1 --dport 2 --state ESTABLISHED", "udp has no state")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p tcp --sport 1 --dport 2 --state 'x'", "bad state")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p icmp --icmp-type 8 --icmp-code 0", "missing --icmp-id")]
    [InlineData("-A -t 1 -s 2001:db8::1 -d 2001:db8::2 -p icmp --icmp-type 8 --icmp-code 0 --icmp-id 1", "icmp needs IPv4")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p udp --sport 1 --dport 2 --icmp-type 8", "does not apply to udp")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p udp --sport 1 --dport 2 -u BOGUS", "unknown status 'BOGUS'")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p udp --sport 1 --dport 2 --mark 1/0xff", "bad mark")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p bogus", "unknown protocol 'bogus'")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p dccp --sport 1 --dport 2", "dccp is not supported")]
    [InlineData("-A -s 192.0.2.1 -d 192.0.2.2 -p udp --sport 1 --dport 2", "missing -t")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -q 192.0.2.9 -n 192.0.2.8 -p udp --sport 1 --dport 2", "--src-nat differs")]
    [InlineData("-A -t 1 -s 192.0.2.1 -d 192.0.2.2 -p 50 --sport 1", "does not apply to 50")]
    [InlineData("ipv4 2 tcp 6 99 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2", "missing reply tuple")]
    [InlineData("ipv4 2 tcp 6 99 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 sport=2", "'sport' repeats")]
    [InlineData("ipv4 2 tcp 17 99 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1", "does not match number 17")]
    [InlineData("ipv6 10 udp 17 99 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1",
        "layer-3 protocol 'ipv6' does not match")]
    [InlineData("ipv4 2 udp 17 x src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1", "bad timeout 'x'")]
    [InlineData("ipv4 2 udp 17 9 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 zone-orig=1", "directional zones")]
    [InlineData("ipv4 2 udp 17 9 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 junk", "unexpected token 'junk'")]
    public void Bad_lines_fail_with_a_clear_reason(string line, string reason)
    {
        var e = Assert.Throws<ConntrackParseException>(() => ConntrackParser.Parse(line));
        Assert.Contains(reason, e.Reason);
        Assert.Equal(line, e.Line);
        Assert.False(ConntrackParser.TryParse(line, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Overlong_line_is_rejected()
    {
        var line = "-A -t 1 " + new string('x', ConntrackParser.MaxLineLength);
        Assert.Contains("longer than", Assert.Throws<ConntrackParseException>(() => ConntrackParser.Parse(line)).Reason);
    }
}

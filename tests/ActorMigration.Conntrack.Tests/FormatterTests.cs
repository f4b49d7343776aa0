using System.Net;
using ActorMigration.Drivers.Qemu.Conntrack;

namespace ActorMigration.Conntrack.Tests;

public class FormatterTests
{
    private static readonly ConntrackEntry Tcp = new(
        ConntrackFamily.IPv4, ConntrackProtocols.Tcp,
        new ConntrackTuple(IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.1"), 40000, 443),
        new ConntrackTuple(IPAddress.Parse("198.51.100.1"), IPAddress.Parse("203.0.113.5"), 443, 61000),
        300, ConntrackStatus.SeenReply | ConntrackStatus.Assured | ConntrackStatus.SrcNat, "ESTABLISHED", 100, 9);

    [Fact]
    public void Create_arguments_are_separate_tokens_in_a_safe_order()
    {
        var args = ConntrackFormatter.ToCreateArguments(Tcp);
        Assert.Equal(
            ["-I", "-t", "300", "-u", "SEEN_REPLY,ASSURED", "-w", "9",
             "-s", "192.0.2.1", "-d", "198.51.100.1", "-r", "198.51.100.1", "-q", "203.0.113.5",
             "-p", "tcp", "--sport", "40000", "--dport", "443", "--reply-port-src", "443", "--reply-port-dst", "61000",
             "--state", "ESTABLISHED", "--src-nat", "203.0.113.5", "--mark", "100"],
            args);
        // conntrack 1.4.7 overwrites the mark with the status bits when -u follows -m
        Assert.True(args.ToList().IndexOf("-u") < args.ToList().IndexOf("--mark"));
    }

    [Fact]
    public void Save_line_parses_back_to_the_same_entry()
    {
        var line = ConntrackFormatter.ToSaveLine(Tcp);
        Assert.StartsWith("-A -t 300 ", line);
        Assert.Equal(Tcp, ConntrackParser.Parse(line));
    }

    [Fact]
    public void Zero_timeout_becomes_one_and_no_status_omits_u()
    {
        var e = new ConntrackEntry(
            ConntrackFamily.IPv6, ConntrackProtocols.IcmpV6,
            new ConntrackTuple(IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2")),
            new ConntrackTuple(IPAddress.Parse("2001:db8::2"), IPAddress.Parse("2001:db8::1")),
            0, Icmp: new ConntrackIcmp(128, 0, 7));
        var args = ConntrackFormatter.ToCreateArguments(e);
        Assert.Equal("1", args[2]);
        Assert.DoesNotContain("-u", args);
        Assert.Contains("--icmpv6-id", args);
        Assert.Equal(["--mark", "0"], args.TakeLast(2));
    }

    [Fact]
    public void Sctp_vtags_and_dnat_are_rendered()
    {
        var e = ConntrackParser.Parse(
            "-A -t 399 -u SEEN_REPLY,ASSURED -s 192.0.2.30 -d 198.51.100.30 -g 10.9.9.9 -q 192.0.2.30 -p sctp --sport 1 --dport 2 --reply-port-src 3 " +
                "--reply-port-dst 1 --state ESTABLISHED --orig-vtag 5 --reply-vtag 6");
        var line = ConntrackFormatter.ToSaveLine(e);
        Assert.Contains("-r 10.9.9.9", line);
        Assert.Contains("--dst-nat 10.9.9.9", line);
        Assert.Contains("--orig-vtag 5 --reply-vtag 6", line);
        Assert.DoesNotContain("--src-nat", line);
    }
}

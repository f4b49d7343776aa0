using ActorMigration.Conntrack.Tests.Infrastructure;
using ActorMigration.Drivers.Qemu.Conntrack;
using Serilog.Events;
using Xunit.Abstractions;

namespace ActorMigration.Conntrack.Tests;

/// <summary>
/// Real kernel conntrack tables in two namespaces created per test ("node A", "node B").
/// Entries are inserted with documentation-range addresses; no packet is sent.
/// </summary>
public class NetnsRoundTripTests(ITestOutputHelper output)
{
    // VM 100: every protocol and attribute the driver transfers
    private static readonly string[][] Vm100 =
    [
        ["-p", "tcp", "-s", "192.0.2.10", "-d", "198.51.100.20", "--sport", "43512", "--dport", "443", "--state", "ESTABLISHED", "-u",
            "SEEN_REPLY,ASSURED", "-t", "3000"],
        ["-p", "tcp", "-s", "2001:db8::10", "-d", "2001:db8:1::20", "--sport", "43514", "--dport", "22", "--state", "TIME_WAIT", "-u",
            "SEEN_REPLY,ASSURED", "-t", "120"],
        ["-p", "udp", "-s", "2001:db8::10", "-d", "2001:db8:1::53", "--sport", "40123", "--dport", "53", "-t", "30", "-w", "7"],
        ["-p", "icmp", "-s", "192.0.2.10", "-d", "198.51.100.1", "--icmp-type", "8", "--icmp-code", "0", "--icmp-id", "4242", "-t", "30"],
        ["-p", "icmpv6", "-s", "2001:db8::10", "-d", "2001:db8:1::1", "--icmpv6-type", "128", "--icmpv6-code", "0", "--icmpv6-id", "77", "-u",
            "SEEN_REPLY", "-t", "30"],
        ["-p", "tcp", "-s", "192.0.2.10", "-d", "203.0.113.7", "--sport", "50000", "--dport", "80", "-r", "203.0.113.7", "-q", "198.51.100.99",
            "--reply-port-src", "80", "--reply-port-dst", "61000", "--src-nat", "198.51.100.99", "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED",
                "-t", "3000"],
        ["-p", "udp", "-s", "2001:db8::20", "-d", "2001:db8:ffff::1", "--sport", "5000", "--dport", "8053", "-r", "2001:db8::10", "-q",
            "2001:db8::20", "--reply-port-src", "53", "--reply-port-dst", "5000", "--dst-nat", "2001:db8::10", "-u", "SEEN_REPLY", "-t", "100"],
        ["-p", "sctp", "-s", "192.0.2.30", "-d", "198.51.100.30", "--sport", "36412", "--dport", "36412", "--state", "ESTABLISHED", "--orig-vtag",
            "305419896", "--reply-vtag", "2271560481", "-u", "SEEN_REPLY,ASSURED", "-t", "400"],
        ["-p", "udplite", "-s", "192.0.2.40", "-d", "198.51.100.40", "--sport", "1234", "--dport", "5678", "-t", "60", "-w", "65535"],
        ["-p", "gre", "-s", "192.0.2.50", "-d", "198.51.100.50", "--srckey", "5", "--dstkey", "6", "-t", "100"],
        ["-p", "50", "-s", "192.0.2.60", "-d", "198.51.100.60", "-t", "100"],
        ["-p", "tcp", "-s", "192.0.2.11", "-d", "198.51.100.21", "--sport", "1000", "--dport", "80", "--state", "SYN_SENT", "-t", "100", "-u", "FIXED_TIMEOUT"],
    ];

    // VM 200 shares nothing but the table; one of its tuples equals a VM 100 tuple in another zone
    private static readonly string[][] Vm200 =
    [
        ["-p", "tcp", "-s", "192.0.2.99", "-d", "198.51.100.20", "--sport", "40000", "--dport", "443", "--state", "ESTABLISHED", "-u",
            "SEEN_REPLY,ASSURED", "-t", "3000"],
        ["-p", "udp", "-s", "192.0.2.99", "-d", "198.51.100.53", "--sport", "40001", "--dport", "53", "-t", "30"],
        ["-p", "tcp", "-s", "192.0.2.10", "-d", "198.51.100.20", "--sport", "43512", "--dport", "443", "--state", "ESTABLISHED", "-u",
            "SEEN_REPLY,ASSURED", "-t", "3000", "-w", "3"],
    ];

    private static readonly string[] Unmarked =
        ["-p", "udp", "-s", "192.0.2.77", "-d", "198.51.100.77", "--sport", "7777", "--dport", "7777", "-t", "300"];

    private static async Task Insert(Netns ns, int mark, IEnumerable<string[]> entries)
    {
        // -m last: conntrack 1.4.7 lets -u overwrite an earlier -m
        foreach (var e in entries) await ns.Conntrack(["-I", .. e, "-m", mark.ToString()]);
    }

    private LinuxConntrackDriver Driver(Netns ns, TestLog log, bool batch = true) =>
        new(new ConntrackOptions { Netns = ns.Name, BatchLoad = batch }, log.Logger);

    private static void AssertEquivalent(IReadOnlyList<ConntrackEntry> expected, IReadOnlyList<ConntrackEntry> actual, uint mark)
    {
        Assert.Equal(expected.Select(e => e.Key).OrderBy(k => k.ToString()), actual.Select(e => e.Key).OrderBy(k => k.ToString()));
        var byKey = actual.ToDictionary(e => e.Key);
        foreach (var e in expected)
        {
            var a = byKey[e.Key];
            Assert.Equal(e.Reply, a.Reply);
            Assert.Equal(e.State, a.State);
            Assert.Equal(e.Status, a.Status);
            Assert.Equal(e.Zone, a.Zone);
            Assert.Equal(e.Icmp, a.Icmp);
            Assert.Equal(e.OriginalVtag, a.OriginalVtag);
            Assert.Equal(e.ReplyVtag, a.ReplyVtag);
            Assert.Equal(mark, a.Mark);
            // the clock runs between listing, dump and load
            Assert.InRange(a.Timeout, (long)e.Timeout - 60, (long)e.Timeout + 1);
        }
    }

    [Fact]
    public async Task Dump_load_flush_moves_exactly_one_vms_entries()
    {
        var log = new TestLog(output);
        await using var a = await Netns.CreateAsync("a");
        await using var b = await Netns.CreateAsync("b");
        await Insert(a, 100, Vm100);
        await Insert(a, 200, Vm200);
        await a.Conntrack(["-I", .. Unmarked]);
        var nodeA = Driver(a, log);
        var nodeB = Driver(b, log);

        // the kernel's view before the move: listing (mark, zone, flags) and save (NAT bits, vtags)
        var sourceListing = await nodeA.ListAsync(100);
        var sourceSave = await nodeA.ListAsync(100, ConntrackListFormat.Save);
        var other = await nodeA.ListAsync(200);
        Assert.Equal(Vm100.Length, sourceListing.Count);
        Assert.Equal(Vm200.Length, other.Count);
        Assert.Contains(sourceSave, e => e.OriginalVtag == 305419896 && e.ReplyVtag == 2271560481);
        Assert.Contains(sourceSave, e => e.Status.HasFlag(ConntrackStatus.SrcNat));
        Assert.Contains(sourceSave, e => e.Status.HasFlag(ConntrackStatus.DstNat));

        var dump = await nodeA.DumpAsync(100);
        Assert.Equal(Vm100.Length, dump.Count);
        Assert.All(dump, l => Assert.EndsWith("--mark 100", l));

        Assert.Equal(Vm100.Length, await nodeB.LoadAsync(100, dump));
        Assert.Equal(Vm100.Length, await nodeA.FlushAsync(100));

        // B holds VM 100's entries with the same tuples, state, flags, zone, NAT and vtags
        AssertEquivalent(sourceListing, await nodeB.ListAsync(100), 100);
        AssertEquivalent(sourceSave, await nodeB.ListAsync(100, ConntrackListFormat.Save), 100);
        Assert.Equal(Vm100.Length, (await nodeB.ListAsync()).Count); // nothing else arrived on B

        // A lost only VM 100's entries
        Assert.Empty(await nodeA.ListAsync(100));
        AssertEquivalent(other, await nodeA.ListAsync(200), 200);
        var rest = await nodeA.ListAsync();
        Assert.Equal(Vm200.Length + 1, rest.Count);
        Assert.Contains(rest, e => e.Mark == 0 && e.Original.SourcePort == 7777);
    }

    [Fact]
    public async Task Loading_twice_and_flushing_nothing_are_harmless()
    {
        var log = new TestLog(output);
        await using var a = await Netns.CreateAsync("a");
        await using var b = await Netns.CreateAsync("b");
        await Insert(a, 100, Vm100.Take(5));
        var nodeA = Driver(a, log);
        var nodeB = Driver(b, log);

        Assert.Empty(await nodeB.DumpAsync(100));
        Assert.Equal(0, await nodeB.FlushAsync(100));
        Assert.Equal(0, await nodeB.LoadAsync(100, []));

        var dump = await nodeA.DumpAsync(100);
        Assert.Equal(5, await nodeB.LoadAsync(100, dump));
        Assert.Equal(5, await nodeB.LoadAsync(100, dump)); // already present: counted, not duplicated
        Assert.Equal(5, (await nodeB.ListAsync(100)).Count);
        Assert.Contains(log.Messages(LogEventLevel.Information), m => m.Contains("0 created, 5 already present"));

        Assert.Equal(5, await nodeA.FlushAsync(100));
        Assert.Equal(0, await nodeA.FlushAsync(100));
        Assert.Empty(await nodeA.DumpAsync(100));
    }

    [Fact]
    public async Task One_by_one_load_gives_the_same_result_as_the_batch()
    {
        var log = new TestLog(output);
        await using var a = await Netns.CreateAsync("a");
        await using var b = await Netns.CreateAsync("b");
        await Insert(a, 100, Vm100);
        var source = await Driver(a, log).ListAsync(100);
        var dump = await Driver(a, log).DumpAsync(100);

        var nodeB = Driver(b, log, batch: false);
        Assert.Equal(Vm100.Length, await nodeB.LoadAsync(100, dump));
        Assert.Equal(Vm100.Length, await nodeB.LoadAsync(100, dump));
        AssertEquivalent(source, await nodeB.ListAsync(100), 100);
        Assert.DoesNotContain(log.Events, e => e.RenderMessage().Contains("--load-file"));
    }

    [Fact]
    public async Task A_rejected_entry_does_not_stop_the_others()
    {
        var log = new TestLog(output);
        await using var b = await Netns.CreateAsync("b");
        await Insert(b, 200, Vm200);
        var nodeB = Driver(b, log);
        string[] lines =
        [
            "-A -t 300 -u SEEN_REPLY,ASSURED -s 192.0.2.1 -d 198.51.100.1 -p tcp --sport 1 --dport 80 --state ESTABLISHED",
            // parses, but the kernel refuses it (an ICMP error type has no reply tuple)
            "-A -t 30 -s 192.0.2.1 -d 198.51.100.1 -p icmp --icmp-type 3 --icmp-code 0 --icmp-id 1",
            "not a conntrack line",
            "-A -t 30 -s 192.0.2.1 -d 198.51.100.1 -p udp --sport 1 --dport 53 -F", // injection attempt
            "-A -t 300 -s 2001:db8::1 -d 2001:db8::2 -p udp --sport 2 --dport 53",
        ];

        Assert.Equal(2, await nodeB.LoadAsync(100, lines));
        Assert.Equal(2, (await nodeB.ListAsync(100)).Count);
        Assert.Equal(Vm200.Length, (await nodeB.ListAsync(200)).Count); // "-F" never reached conntrack
        var warnings = log.Messages(LogEventLevel.Warning).ToList();
        Assert.Contains(warnings, m => m.Contains("loading one by one"));
        Assert.Contains(warnings, m => m.Contains("icmp") && m.Contains("was not loaded"));
        Assert.Contains(warnings, m => m.Contains("unsupported option '-F'"));
        Assert.Contains(log.Messages(LogEventLevel.Information), m => m.Contains("1 failed, 2 unparsable"));
    }

    [Fact]
    public async Task Raw_conntrack_save_output_loads_under_the_vms_mark()
    {
        // what Proxmox's dbus-vmstate helper transfers: `conntrack -L -o save` lines without a mark
        var log = new TestLog(output);
        await using var a = await Netns.CreateAsync("a");
        await using var b = await Netns.CreateAsync("b");
        await Insert(a, 100, Vm100);
        var raw = (await a.Conntrack("-L", "-m", "100", "-o", "save")).StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Vm100.Length, raw.Length);

        Assert.Equal(Vm100.Length, await Driver(b, log).LoadAsync(100, raw));
        AssertEquivalent(await Driver(a, log).ListAsync(100), await Driver(b, log).ListAsync(100), 100);
    }

    [Fact]
    public async Task Extended_dump_round_trips_too()
    {
        var log = new TestLog(output);
        await using var a = await Netns.CreateAsync("a");
        await using var b = await Netns.CreateAsync("b");
        // the listing shows neither vtags nor FIXED_TIMEOUT
        var noSctp = Vm100.Where(e => e[1] != "sctp" && !e.Contains("FIXED_TIMEOUT")).ToList();
        await Insert(a, 100, noSctp);
        var nodeA = new LinuxConntrackDriver(new ConntrackOptions { Netns = a.Name, DumpFormat = ConntrackListFormat.Extended }, log.Logger);

        Assert.Equal(noSctp.Count, await Driver(b, log).LoadAsync(100, await nodeA.DumpAsync(100)));
        AssertEquivalent(await nodeA.ListAsync(100), await Driver(b, log).ListAsync(100), 100);
        AssertEquivalent(await nodeA.ListAsync(100, ConntrackListFormat.Save), await Driver(b, log).ListAsync(100, ConntrackListFormat.Save), 100);
    }

    [Fact]
    public async Task Every_tcp_state_survives()
    {
        var log = new TestLog(output);
        await using var a = await Netns.CreateAsync("a");
        await using var b = await Netns.CreateAsync("b");
        string[] states = ["NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"];
        await Insert(a, 4242, states.Select((s, i) => new[]
            { "-p", "tcp", "-s", "192.0.2.1", "-d", "198.51.100.1", "--sport", (20000 + i).ToString(), "--dport", "80", "--state", s, "-u",
                "SEEN_REPLY", "-t", "500" }));

        var source = await Driver(a, log).ListAsync(4242);
        Assert.Equal(states.Order(), source.Select(e => e.State!).Order());
        Assert.Equal(states.Length, await Driver(b, log).LoadAsync(4242, await Driver(a, log).DumpAsync(4242)));
        AssertEquivalent(source, await Driver(b, log).ListAsync(4242), 4242);
    }

    [Fact]
    public async Task A_missing_namespace_is_a_clear_error()
    {
        var driver = new LinuxConntrackDriver($"{Netns.Prefix}missing-{Guid.NewGuid():N}");
        var e = await Assert.ThrowsAsync<ConntrackException>(() => driver.DumpAsync(100));
        Assert.Contains("netns 'amct-missing-", e.Message);
        Assert.Contains("No such file", e.Message);
        await Assert.ThrowsAsync<ConntrackException>(() => driver.FlushAsync(100));
    }
}

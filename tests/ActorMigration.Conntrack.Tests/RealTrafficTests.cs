using System.Net;
using ActorMigration.Conntrack.Tests.Infrastructure;
using ActorMigration.Drivers.Qemu.Conntrack;
using Xunit.Abstractions;

namespace ActorMigration.Conntrack.Tests;

/// <summary>
/// Entries made by real loopback traffic inside node A, attributed the Proxmox way:
/// a firewall rule sets the ct mark to the VMID (needs nft).
/// </summary>
public class RealTrafficTests(ITestOutputHelper output)
{
    private const string Ruleset = """
        table inet amct {
          chain out {
            type filter hook output priority 0;
            tcp dport 18100 ct mark set 100
            udp dport 18101 ct mark set 100
            tcp dport 18200 ct mark set 200
          }
        }
        """;

    [Fact]
    public async Task Marked_connections_move_and_the_other_vms_stay()
    {
        await Prerequisites.RequireNftAsync();
        var log = new TestLog(output);
        await using var a = await Netns.CreateAsync("a");
        await using var b = await Netns.CreateAsync("b");
        await a.Nft(Ruleset);

        using var vm100 = NetnsSockets.OpenTcp(a.Name, IPAddress.Loopback, 18100);
        using var vm200 = NetnsSockets.OpenTcp(a.Name, IPAddress.Loopback, 18200);
        NetnsSockets.UdpExchange(a.Name, IPAddress.IPv6Loopback, 18101);

        var nodeA = new LinuxConntrackDriver(a.Name, log.Logger);
        var nodeB = new LinuxConntrackDriver(b.Name, log.Logger);
        var source = await nodeA.ListAsync(100);
        var tcp = Assert.Single(source, e => e.Protocol == ConntrackProtocols.Tcp);
        Assert.Equal("ESTABLISHED", tcp.State);
        Assert.Equal(ConntrackStatus.SeenReply | ConntrackStatus.Assured, tcp.Status);
        Assert.Equal((ushort)vm100.ClientPort, tcp.Original.SourcePort);
        var udp = Assert.Single(source, e => e.Protocol == ConntrackProtocols.Udp);
        Assert.Equal(ConntrackFamily.IPv6, udp.Family);
        Assert.True(udp.Status.HasFlag(ConntrackStatus.SeenReply));

        var dump = await nodeA.DumpAsync(100);
        Assert.Equal(2, dump.Count);
        Assert.Equal(2, await nodeB.LoadAsync(100, dump));
        Assert.Equal(2, await nodeA.FlushAsync(100));

        var moved = await nodeB.ListAsync(100);
        Assert.Equal(source.Select(e => e.Key).OrderBy(k => k.ToString()), moved.Select(e => e.Key).OrderBy(k => k.ToString()));
        foreach (var e in moved)
        {
            var s = source.Single(x => x.Key == e.Key);
            Assert.Equal(s.State, e.State);
            Assert.Equal(s.Status, e.Status);
            Assert.Equal(s.Reply, e.Reply);
            Assert.Equal(100u, e.Mark);
        }

        var left = await nodeA.ListAsync();
        var stayed = Assert.Single(left);
        Assert.Equal(200u, stayed.Mark);
        Assert.Equal((ushort)vm200.ClientPort, stayed.Original.SourcePort);
        Assert.Equal("ESTABLISHED", stayed.State);
    }
}

using System.Net;
using System.Net.Sockets;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Tests.Ports;

public sealed class PortAllocatorTests
{
    private static int EphemeralLow() =>
        int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]);

    [Fact]
    public void Ports_for_listeners_stay_below_the_ephemeral_range_and_are_never_handed_out_twice()
    {
        var ports = PortAllocator.BelowEphemeralRange();
        var got = Enumerable.Range(0, 50).Select(_ => ports.Acquire()).ToList();
        Assert.All(got, p => Assert.InRange(p, 1024, EphemeralLow() - 1));
        Assert.Equal(got.Count, got.Distinct().Count());
    }

    [Fact]
    public void A_port_someone_listens_on_is_skipped()
    {
        var probe = new PortAllocator("127.0.0.1", 20000, 20999);
        var busy = probe.Acquire();
        probe.Release(busy);
        using var l = new TcpListener(IPAddress.Loopback, busy);
        l.Start();
        var other = new PortAllocator("127.0.0.1", busy, busy + 1).Acquire();
        Assert.Equal(busy + 1, other);
    }
}

using System.Net;
using System.Net.Sockets;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

public sealed class PortAllocatorTests
{
    [Fact]
    public void Hands_out_each_port_once_skips_bound_ports_and_reports_exhaustion()
    {
        const int first = 63900, last = 63905;
        using var busy = new TcpListener(IPAddress.Loopback, first + 2);
        busy.Start();
        var ports = new PortAllocator("127.0.0.1", first, last);
        var got = Enumerable.Range(0, 5).Select(_ => ports.Acquire()).ToList();
        Assert.Equal(got.Count, got.Distinct().Count());
        Assert.DoesNotContain(first + 2, got);
        Assert.All(got, p => Assert.InRange(p, first, last));
        Assert.Throws<InvalidOperationException>(() => ports.Acquire());
        ports.Release(got[0]);
        Assert.Equal(got[0], ports.Acquire());
    }

    [Fact]
    public void Ports_for_child_listeners_stay_below_the_ephemeral_range()
    {
        var low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]);
        var ports = PortAllocator.BelowEphemeralRange();
        var got = Enumerable.Range(0, 50).Select(_ => ports.Acquire()).ToList();
        Assert.All(got, p => Assert.InRange(p, 1024, low - 1));
        Assert.Equal(got.Count, got.Distinct().Count());
    }
}

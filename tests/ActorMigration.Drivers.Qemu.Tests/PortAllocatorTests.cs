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
}

using System.Net;
using System.Net.Sockets;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Util;

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

    [Fact]
    public void With_a_probe_of_another_namespace_skips_its_bound_ports_without_binding_here()
    {
        // 192.0.2.1 (TEST-NET) is no address of this host: binding there to probe would fail for every port.
        var ports = new PortAllocator("192.0.2.1", 63910, 63912, () => new HashSet<int> { 63910, 63912 });
        Assert.Equal(63911, ports.Acquire());
        Assert.Throws<InvalidOperationException>(() => ports.Acquire());
    }

    [Fact]
    public void Local_ports_of_proc_net_tcp_and_tcp6()
    {
        const string text = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0202620A:EA60 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
               1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
              sl  local_address                         remote_address                        st tx_queue rx_queue
               0: 00000000000000000000000000000000:EA61 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000
            """;
        Assert.Equal([8080, 60000, 60001], NetnsPorts.LocalPorts(text).Order());
    }
}

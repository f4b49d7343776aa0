using System.Net;
using System.Net.Sockets;

namespace ActorMigration.Drivers.Abstractions;

/// <summary>Hands out TCP ports from a node's range: never twice while held, and only ports free to bind.</summary>
public sealed class PortAllocator
{
    private readonly HashSet<int> _held = new();
    private readonly string _host;
    private readonly int _first, _last;
    private readonly Func<IReadOnlySet<int>>? _inUse;
    private int _next;

    /// <param name="inUse">The TCP ports bound where the listeners run, asked once per <see cref="Acquire"/>; null: a
    /// port is free when this process can bind it on <paramref name="host"/> (listeners in this network namespace).</param>
    public PortAllocator(string host, int first, int last, Func<IReadOnlySet<int>>? inUse = null)
    {
        (_host, _first, _last, _next, _inUse) = (host, first, last, first, inUse);
    }

    /// <summary>
    /// An allocator for listeners started by other processes (tests, benchmarks): ports just below the kernel's
    /// ephemeral range, so an outgoing connection (Akka, PostgreSQL, HTTP clients) never takes one first.
    /// </summary>
    public static PortAllocator BelowEphemeralRange(string host = "127.0.0.1", int count = 8000)
    {
        var low = 32768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            low = int.Parse(range[0]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }
        var last = low - 1;
        var first = Math.Max(1024, last - count + 1);
        return new PortAllocator(host, first, last) { _next = first + Environment.ProcessId % (last - first + 1) };
    }

    public int Acquire()
    {
        lock (_held)
        {
            var bound = _inUse?.Invoke();
            for (var i = 0; i <= _last - _first; i++)
            {
                var port = _next;
                _next = _next >= _last ? _first : _next + 1;
                if (_held.Contains(port) || (bound is null ? !IsFree(port) : bound.Contains(port))) continue;
                _held.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free port in range {_first}-{_last}");
    }

    /// <summary>Marks a port as in use (e.g. by a re-adopted process).</summary>
    public void Reserve(int port)
    {
        lock (_held) _held.Add(port);
    }

    public void Release(int port)
    {
        lock (_held) _held.Remove(port);
    }

    private bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Parse(_host), port);
            l.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

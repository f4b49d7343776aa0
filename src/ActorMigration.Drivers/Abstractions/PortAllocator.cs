using System.Net;
using System.Net.Sockets;

namespace ActorMigration.Drivers.Abstractions;

/// <summary>Hands out TCP ports from a node's range: never twice while held, and only ports free to bind.</summary>
public sealed class PortAllocator(string host, int first, int last)
{
    private readonly HashSet<int> _held = new();
    private int _next = first;

    public int Acquire()
    {
        lock (_held)
        {
            for (var i = 0; i <= last - first; i++)
            {
                var port = _next;
                _next = _next >= last ? first : _next + 1;
                if (_held.Contains(port) || !IsFree(port)) continue;
                _held.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free port in range {first}-{last}");
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
            using var l = new TcpListener(IPAddress.Parse(host), port);
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

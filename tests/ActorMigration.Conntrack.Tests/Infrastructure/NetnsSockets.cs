using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ActorMigration.Conntrack.Tests.Infrastructure;

/// <summary>Creates sockets inside a namespace: a dedicated thread setns()es in and back out.</summary>
public static class NetnsSockets
{
    private const int CloneNewNet = 0x40000000;
    private const int ORdOnly = 0, OCloExec = 0x80000;

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int open(string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    /// <summary>Runs <paramref name="action"/> on a thread that is inside <paramref name="netns"/>.</summary>
    public static T RunIn<T>(string netns, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            var self = open("/proc/thread-self/ns/net", ORdOnly | OCloExec);
            var target = open($"/run/netns/{netns}", ORdOnly | OCloExec);
            try
            {
                if (self < 0 || target < 0) throw new Win32Exception(Marshal.GetLastPInvokeError(), "open netns");
                if (setns(target, CloneNewNet) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError(), "setns");
                try
                {
                    result = action();
                }
                finally
                {
                    if (setns(self, CloneNewNet) != 0) Environment.FailFast("cannot return to the test's own netns");
                }
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                if (self >= 0) close(self);
                if (target >= 0) close(target);
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
        return result;
    }

    /// <summary>An established TCP connection over loopback inside the namespace (one byte each way).</summary>
    public static TcpPair OpenTcp(string netns, IPAddress loopback, int port) => RunIn(netns, () =>
    {
        var listener = new TcpListener(loopback, port);
        listener.Start();
        try
        {
            var client = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(loopback, port);
            var server = listener.AcceptSocket();
            client.Send([1]);
            Receive(server);
            server.Send([2]);
            Receive(client);
            return new TcpPair(client, server);
        }
        finally
        {
            listener.Stop();
        }
    });

    /// <summary>A UDP request and answer over loopback inside the namespace.</summary>
    public static void UdpExchange(string netns, IPAddress loopback, int port) => RunIn(netns, () =>
    {
        using var server = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(loopback, port));
        using var client = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        client.ReceiveTimeout = server.ReceiveTimeout = 5000;
        client.SendTo([1], new IPEndPoint(loopback, port));
        EndPoint from = new IPEndPoint(loopback, 0);
        var buffer = new byte[16];
        server.ReceiveFrom(buffer, ref from);
        server.SendTo([2], from);
        client.Receive(buffer);
        return 0;
    });

    private static void Receive(Socket s)
    {
        s.ReceiveTimeout = 5000;
        var b = new byte[1];
        if (s.Receive(b) != 1) throw new IOException("connection closed early");
    }
}

public sealed class TcpPair(Socket client, Socket server) : IDisposable
{
    public int ClientPort => ((IPEndPoint)client.LocalEndPoint!).Port;

    public void Dispose()
    {
        client.Dispose();
        server.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;

namespace ActorMigration.TestSupport;

/// <summary>
/// A TCP relay between a client and a server that records what the client sends (the first
/// <see cref="Limit"/> bytes), to check what really crosses the wire.
/// </summary>
public sealed class WireTap : IAsyncDisposable
{
    public const int Limit = 64 << 20;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _sent = new();
    private readonly Task _loop;

    public WireTap(string host, int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _loop = RelayAsync(host, port);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The bytes the client sent so far.</summary>
    public byte[] Sent()
    {
        lock (_sent) return _sent.ToArray();
    }

    private async Task RelayAsync(string host, int port)
    {
        var ct = _stop.Token;
        using var client = await _listener.AcceptTcpClientAsync(ct);
        using var server = new TcpClient();
        await server.ConnectAsync(host, port, ct);
        var up = PumpAsync(client.GetStream(), server.GetStream(), record: true, ct);
        var down = PumpAsync(server.GetStream(), client.GetStream(), record: false, ct);
        await Task.WhenAny(up, down);
    }

    private async Task PumpAsync(Stream from, Stream to, bool record, CancellationToken ct)
    {
        var buf = new byte[64 << 10];
        int n;
        while ((n = await from.ReadAsync(buf, ct)) > 0)
        {
            if (record)
                lock (_sent)
                    if (_sent.Length < Limit) _sent.Write(buf, 0, (int)Math.Min(n, Limit - _sent.Length));
            await to.WriteAsync(buf.AsMemory(0, n), ct);
        }
        to.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }
}

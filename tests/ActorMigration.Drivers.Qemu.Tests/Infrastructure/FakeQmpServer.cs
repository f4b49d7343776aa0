using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>
/// A scripted QMP peer on a unix socket for protocol cases real QEMU won't produce on demand
/// (a command that never answers, events between command and answer).
/// </summary>
public sealed class FakeQmpServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<JsonObject, IEnumerable<string>> _answer;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;

    /// <param name="answer">For each command (after qmp_capabilities) the raw lines to send back.</param>
    public FakeQmpServer(string path, Func<JsonObject, IEnumerable<string>> answer)
    {
        Path = path;
        _answer = answer;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
        _loop = Task.Run(Serve);
    }

    public string Path { get; }

    private async Task Serve()
    {
        using var s = await _listener.AcceptAsync(_cts.Token);
        await using var ns = new NetworkStream(s);
        using var reader = new StreamReader(ns);
        async Task Send(string line) => await ns.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), _cts.Token);
        await Send("""{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": []}}""");
        while (!_cts.IsCancellationRequested)
        {
            var line = await reader.ReadLineAsync(_cts.Token);
            if (line is null) return;
            var msg = (JsonObject)JsonNode.Parse(line)!;
            if (msg["execute"]!.ToString() == "qmp_capabilities")
            {
                await Send(new JsonObject { ["return"] = new JsonObject(), ["id"] = msg["id"]?.DeepClone() }.ToJsonString());
                continue;
            }
            foreach (var l in _answer(msg)) await Send(l);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Dispose();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        File.Delete(Path);
    }
}

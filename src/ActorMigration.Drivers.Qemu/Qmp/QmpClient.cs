using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ActorMigration.Drivers.Qemu.Qmp;

/// <summary>
/// QMP over a unix socket: greeting + qmp_capabilities, commands with ids and per-command timeouts,
/// and an event stream. Safe for concurrent callers; one instance is one connection.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, Pending> _pending = new();
    private readonly List<QmpEventStream> _streams = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _readLoop = Task.CompletedTask;
    private long _nextId;
    private Exception? _closeReason;

    private sealed record Pending(string Command, TaskCompletionSource<JsonNode?> Tcs);

    public string SocketPath { get; }
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The greeting's "QMP" object.</summary>
    public JsonObject Greeting { get; private set; } = new();

    /// <summary>QEMU version from the greeting, e.g. 7.2.22.</summary>
    public string QemuVersion
    {
        get
        {
            var v = Greeting["version"]?["qemu"];
            return v is null ? "unknown" : $"{v["major"]}.{v["minor"]}.{v["micro"]}";
        }
    }

    public bool IsConnected => !_closed.Task.IsCompleted;

    /// <summary>Completes when the connection is gone.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Raised on the reader thread for every event; keep handlers short.</summary>
    public event Action<QmpEvent>? EventReceived;

    private QmpClient(string path, Socket socket)
    {
        SocketPath = path;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, new UTF8Encoding(false));
    }

    /// <summary>Connects, reads the greeting and negotiates capabilities.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var t = timeout ?? TimeSpan.FromSeconds(10);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        QmpClient? client = null;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(t);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token);
            client = new QmpClient(socketPath, socket) { DefaultTimeout = t };
            string? line;
            try
            {
                line = await client._reader.ReadLineAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no QMP greeting on {socketPath} within {t} (is another client connected?)");
            }
            if (line is null || JsonNode.Parse(line)?["QMP"] is not JsonObject greeting)
                throw new IOException($"unexpected QMP greeting on {socketPath}: {line}");
            client.Greeting = greeting;
            client._readLoop = Task.Run(client.ReadLoop);
            await client.ExecuteAsync("qmp_capabilities", null, t, ct);
            return client;
        }
        catch
        {
            if (client is not null) await client.DisposeAsync();
            else socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command; returns its "return" value or throws <see cref="QmpException"/> with QEMU's desc.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments = null, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        if (!IsConnected) throw new IOException($"QMP connection {SocketPath} is closed", _closeReason);
        var id = "am-" + Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = new Pending(command, tcs);
        var msg = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null) msg["arguments"] = arguments;
        var bytes = Encoding.UTF8.GetBytes(msg.ToJsonString() + "\n");
        var limit = timeout ?? DefaultTimeout;
        try
        {
            await _writeLock.WaitAsync(ct);
            try
            {
                await _stream.WriteAsync(bytes, ct);
                await _stream.FlushAsync(ct);
            }
            finally
            {
                _writeLock.Release();
            }
            // The reader may have died between the check and the write.
            if (!IsConnected) tcs.TrySetException(new IOException($"QMP connection {SocketPath} is closed", _closeReason));
            return await tcs.Task.WaitAsync(limit, ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"QMP {command} got no answer within {limit}");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException && tcs.Task.IsCompleted == false)
        {
            throw new IOException($"QMP {command}: connection {SocketPath} failed: {e.Message}", e);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>A stream of all events from now on; dispose to stop.</summary>
    public QmpEventStream Subscribe()
    {
        var s = new QmpEventStream(this);
        lock (_streams)
        {
            if (!IsConnected) s.Complete();
            else _streams.Add(s);
        }
        return s;
    }

    internal void Unsubscribe(QmpEventStream s)
    {
        lock (_streams) _streams.Remove(s);
    }

    private async Task ReadLoop()
    {
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                var line = await _reader.ReadLineAsync(_cts.Token);
                if (line is null) break;
                if (line.Length == 0) continue;
                Dispatch(line);
            }
            _closeReason ??= new IOException("QMP peer closed the connection");
        }
        catch (Exception e)
        {
            _closeReason = e;
        }
        finally
        {
            Close();
        }
    }

    private void Dispatch(string line)
    {
        JsonObject? msg;
        try
        {
            msg = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return;
        }
        if (msg is null) return;
        if (msg["event"] is JsonValue ev)
        {
            var ts = msg["timestamp"];
            var when = ts is null
                ? DateTimeOffset.UtcNow
                : DateTimeOffset.FromUnixTimeMilliseconds(ts["seconds"]!.GetValue<long>() * 1000 + ts["microseconds"]!.GetValue<long>() / 1000);
            var e = new QmpEvent(ev.GetValue<string>(), msg["data"] as JsonObject, when);
            try
            {
                EventReceived?.Invoke(e);
            }
            catch
            {
                // A faulty handler must not kill the connection.
            }
            QmpEventStream[] streams;
            lock (_streams) streams = _streams.ToArray();
            foreach (var s in streams) s.Post(e);
            return;
        }
        var id = msg["id"]?.ToString();
        if (id is null || !_pending.TryGetValue(id, out var p)) return;
        if (msg["error"] is JsonObject err)
            p.Tcs.TrySetException(new QmpException(p.Command, err["class"]?.ToString() ?? "GenericError", err["desc"]?.ToString() ?? err.ToJsonString()));
        else
            p.Tcs.TrySetResult(msg["return"]);
    }

    private void Close()
    {
        if (!_closed.TrySetResult()) return;
        var reason = new IOException($"QMP connection {SocketPath} closed", _closeReason);
        foreach (var p in _pending.Values) p.Tcs.TrySetException(reason);
        QmpEventStream[] streams;
        lock (_streams)
        {
            streams = _streams.ToArray();
            _streams.Clear();
        }
        foreach (var s in streams) s.Complete();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { }
    }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        Close();
        _stream.Dispose();
        try { await _readLoop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        _reader.Dispose();
        _cts.Dispose();
    }
}

/// <summary>Events of one subscriber, in order. Dispose to unsubscribe.</summary>
public sealed class QmpEventStream : IDisposable
{
    private readonly QmpClient _owner;
    private readonly Channel<QmpEvent> _channel = Channel.CreateUnbounded<QmpEvent>(new UnboundedChannelOptions { SingleWriter = true });

    internal QmpEventStream(QmpClient owner) => _owner = owner;

    public ChannelReader<QmpEvent> Reader => _channel.Reader;

    internal void Post(QmpEvent e) => _channel.Writer.TryWrite(e);
    internal void Complete() => _channel.Writer.TryComplete();

    /// <summary>Waits for the first event matching <paramref name="match"/>.</summary>
    public async Task<QmpEvent> WaitAsync(Func<QmpEvent, bool> match, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await foreach (var e in _channel.Reader.ReadAllAsync(cts.Token))
                if (match(e)) return e;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no matching QMP event within {timeout}");
        }
        throw new IOException("QMP connection closed while waiting for an event");
    }

    public void Dispose()
    {
        _owner.Unsubscribe(this);
        Complete();
    }
}

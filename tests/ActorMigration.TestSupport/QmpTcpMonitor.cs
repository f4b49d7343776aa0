using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace ActorMigration.TestSupport;

/// <summary>
/// A second QMP monitor of a member's QEMU, for tests: the member holds the VM's qmp.sock, so a test VM gets
/// <see cref="Args"/> (Proxmox's <c>args</c>) and the test finds the port QEMU chose in /proc and talks to it.
/// </summary>
public sealed class QmpTcpMonitor : IAsyncDisposable
{
    /// <summary>The VM config's <c>args</c>: a QMP server on a free loopback port (the same on every node a VM runs on).</summary>
    public const string Args = "-qmp tcp:127.0.0.1:0,server=on,wait=off";

    private readonly TcpClient _tcp;
    private readonly StreamReader _in;
    private readonly StreamWriter _out;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private QmpTcpMonitor(TcpClient tcp)
    {
        _tcp = tcp;
        var s = tcp.GetStream();
        _in = new StreamReader(s);
        _out = new StreamWriter(s) { AutoFlush = true, NewLine = "\n" };
    }

    /// <summary>Connects to the loopback QMP port process <paramref name="pid"/> listens on.</summary>
    public static async Task<QmpTcpMonitor> ConnectAsync(int pid)
    {
        var port = ListeningPorts(pid).FirstOrDefault();
        if (port == 0) throw new InvalidOperationException($"QEMU {pid} listens on no TCP port (no '{Args}' in its args?)");
        return await ConnectToPortAsync(port);
    }

    public static async Task<QmpTcpMonitor> ConnectToPortAsync(int port, string host = "127.0.0.1")
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port).WaitAsync(TimeSpan.FromSeconds(10));
        var m = new QmpTcpMonitor(tcp);
        await m._in.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)); // greeting
        await m.ExecuteAsync("qmp_capabilities");
        return m;
    }

    /// <summary>Runs a command and returns its "return"; a QMP error throws.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? args = null)
    {
        await _lock.WaitAsync();
        try
        {
            var msg = new JsonObject { ["execute"] = command };
            if (args is not null) msg["arguments"] = args;
            await _out.WriteLineAsync(msg.ToJsonString());
            while (true)
            {
                var line = await _in.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
                           ?? throw new IOException($"QMP closed during {command}");
                var reply = JsonNode.Parse(line)!;
                if (reply["event"] is not null) continue;
                if (reply["error"] is { } e) throw new InvalidOperationException($"QMP {command}: {e.ToJsonString()}");
                return reply["return"];
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Loopback TCP ports in LISTEN state held by the process (its fds matched against /proc/net/tcp).</summary>
    public static IReadOnlyList<int> ListeningPorts(int pid)
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } t && t.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(t[8..^1]);
            }
            catch (IOException)
            {
            }
        }
        var ports = new List<int>();
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // sl local rem st ... inode (10th field); 0A = LISTEN; 0100007F = 127.0.0.1
            if (f.Length > 9 && f[3] == "0A" && f[1].StartsWith("0100007F:", StringComparison.Ordinal) && inodes.Contains(f[9]))
                ports.Add(int.Parse(f[1][9..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        await Task.CompletedTask;
    }
}

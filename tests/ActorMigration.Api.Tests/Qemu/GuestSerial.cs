using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Qemu;

/// <summary>
/// The test guest's serial console, from outside the member: its output is QEMU's serial.log in the VM's run dir,
/// its input is the chardev's unix socket serial.sock next to it (QEMU serves one client at a time; we connect
/// briefly to type a line). The guest prints "heartbeat N" every 200 ms and runs each line it reads as a shell command.
/// </summary>
public static class GuestSerial
{
    private static readonly Regex Heartbeat = new(@"^heartbeat (\d+)$", RegexOptions.Compiled);

    public static IReadOnlyList<string> Lines(string log) =>
        log.Replace("\r", "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();

    public static IReadOnlyList<int> Heartbeats(string log) =>
        Lines(log).Select(l => Heartbeat.Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();

    /// <summary>The highest heartbeat on the node's console (with the last stopped QEMU's log if asked), -1 if none.</summary>
    public static int MaxHeartbeat(string dataDir, string node, int vmid, bool includeOld = false) =>
        Heartbeats(Reality.SerialLog(dataDir, node, vmid, includeOld)) is { Count: > 0 } h ? h.Max() : -1;

    public static string Tail(string log, int lines = 25) => string.Join('\n', Lines(log).TakeLast(lines));

    /// <summary>Polls the node's serial log until <paramref name="done"/> holds; fails with the log's tail.</summary>
    public static async Task<string> WaitForAsync(string dataDir, string node, int vmid, Func<string, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var log = Reality.SerialLog(dataDir, node, vmid);
            if (done(log)) return log;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not seen on {node}/{vmid} within {timeout}. {Describe(dataDir, node, vmid)}");
            await Task.Delay(100);
        }
    }

    public static Task<string> WaitForHeartbeatAsync(string dataDir, string node, int vmid, int atLeast, TimeSpan? timeout = null) =>
        WaitForAsync(dataDir, node, vmid, log => Heartbeats(log) is { Count: > 0 } h && h.Max() >= atLeast,
            timeout ?? TimeSpan.FromSeconds(120), $"heartbeat >= {atLeast}");

    public static Task<string> WaitForLineAsync(string dataDir, string node, int vmid, string line, TimeSpan? timeout = null) =>
        WaitForAsync(dataDir, node, vmid, log => Lines(log).Contains(line), timeout ?? TimeSpan.FromSeconds(120), $"line '{line}'");

    /// <summary>What a failure message needs: the run dir's files, the QEMU pid and both serial logs' tails.</summary>
    public static string Describe(string dataDir, string node, int vmid)
    {
        var dir = Reality.QemuDir(dataDir, node, vmid);
        var files = Directory.Exists(dir)
            ? string.Join(", ", Directory.EnumerateFileSystemEntries(dir).Select(f => $"{Path.GetFileName(f)} ({new FileInfo(f).Length} B)"))
            : "(no run dir)";
        var pid = Reality.QemuPid(dataDir, node, vmid);
        var old = Reality.SerialLog(dataDir, node, vmid, includeOld: true);
        return $"Run dir {dir}: {files}; live QEMU pid {pid?.ToString() ?? "none"}.\n" +
               (pid is { } p ? $"QEMU threads' CPU over 1 s (a silent guest: vCPU near 0 % waits for an interrupt, near 100 % spins): {ThreadCpu(p)}\n" : "") +
               $"serial.log.old+serial.log tail:\n{Tail(old)}";
    }

    /// <summary>Per-thread CPU share of a process over one second, from /proc (thread name: percent).</summary>
    public static string ThreadCpu(int pid)
    {
        static Dictionary<string, (string Name, long Ticks)> Sample(int pid)
        {
            var r = new Dictionary<string, (string, long)>();
            try
            {
                foreach (var t in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                {
                    var stat = File.ReadAllText(Path.Combine(t, "stat"));
                    var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    r[Path.GetFileName(t)] = (File.ReadAllText(Path.Combine(t, "comm")).Trim(), long.Parse(f[11]) + long.Parse(f[12]));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            return r;
        }
        var a = Sample(pid);
        Thread.Sleep(1000);
        var b = Sample(pid);
        return b.Count == 0 ? "(gone)" : string.Join(", ", b.Select(kv =>
            $"{kv.Value.Name}/{kv.Key} {kv.Value.Ticks - (a.TryGetValue(kv.Key, out var x) ? x.Ticks : 0)} %"));
    }

    /// <summary>Types one line into the guest's console through serial.sock.</summary>
    public static async Task SendLineAsync(string dataDir, string node, int vmid, string line)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(Reality.SerialSocket(dataDir, node, vmid)));
        var bytes = Encoding.UTF8.GetBytes(line.TrimEnd('\n') + "\n");
        await s.SendAsync(bytes, SocketFlags.None);
        // The emulated UART takes 16 bytes at a time: stay connected until QEMU has fed it all to the guest.
        await Task.Delay(300 + bytes.Length * 5);
    }

    /// <summary>Runs a shell command in the guest; returns the (non-heartbeat) lines it printed.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(string dataDir, string node, int vmid, string command, TimeSpan? timeout = null)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        string start = $"cmd-start-{id}", end = $"cmd-end-{id}";
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        for (var attempt = 1; ; attempt++)
        {
            await SendLineAsync(dataDir, node, vmid, $"echo {start}; {command}; echo {end}");
            try
            {
                var log = await WaitForAsync(dataDir, node, vmid, l => Lines(l).Contains(end), TimeSpan.FromSeconds(20), $"end of '{command}'");
                var lines = Lines(log).ToList();
                var from = lines.LastIndexOf(start);
                var to = lines.LastIndexOf(end);
                return lines.Skip(from + 1).Take(to - from - 1).Where(l => !Heartbeat.IsMatch(l)).ToList();
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline && attempt < 4)
            {
                // A line typed while the guest's shell loop was between reads can get lost: type it again.
            }
        }
    }
}

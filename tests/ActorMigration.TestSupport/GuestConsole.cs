using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using ActorMigration.Drivers.Qemu.Hypervisor;

namespace ActorMigration.TestSupport;

/// <summary>
/// The test guest's serial console. The guest prints "heartbeat N" every 200 ms and runs each line it reads as a
/// shell command. Its output is QEMU's serial.log in the VM's run dir, its input the chardev's unix socket
/// serial.sock next to it. Reached either through a driver in the test process or, from outside a member, through
/// the member's data directory (&lt;data&gt;/run/&lt;node&gt;/qemu/&lt;vmid&gt;).
/// </summary>
public static class GuestConsole
{
    private static readonly Regex Heartbeat = new(@"^heartbeat (\d+)$", RegexOptions.Compiled);

    /// <summary>One VM's console: where it is (for messages), how to read it, type into it, and explain a timeout.</summary>
    private sealed record Target(string Where, Func<string> Read, Func<string, Task> Send, Func<string> Describe);

    private static Target Of(QemuHypervisorDriver d, int vmid) =>
        new($"{d.Node}/{vmid}", () => d.ReadSerialLog(vmid), line => d.SendSerialLineAsync(vmid, line),
            () => $"Log tail:\n{Tail(d.ReadSerialLog(vmid))}");

    private static Target Of(string dataDir, string node, int vmid) =>
        new($"{node}/{vmid}", () => Reality.SerialLog(dataDir, node, vmid), line => SendLineAsync(dataDir, node, vmid, line),
            () => Reality.Describe(dataDir, node, vmid));

    // ---- the log ----------------------------------------------------------------------

    public static IReadOnlyList<string> Lines(string log) =>
        log.Replace("\r", "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();

    /// <summary>Heartbeat numbers in log order.</summary>
    public static IReadOnlyList<int> Heartbeats(string log) =>
        Lines(log).Select(l => Heartbeat.Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();

    /// <summary>The highest heartbeat in a log, -1 if none.</summary>
    public static int LastHeartbeat(string log) => Heartbeats(log) is { Count: > 0 } h ? h.Max() : -1;

    public static int LastHeartbeat(QemuHypervisorDriver d, int vmid) => LastHeartbeat(d.ReadSerialLog(vmid));

    /// <summary>The highest heartbeat on the node's console (with the last stopped QEMU's log if asked), -1 if none.</summary>
    public static int MaxHeartbeat(string dataDir, string node, int vmid, bool includeOld = false) =>
        LastHeartbeat(Reality.SerialLog(dataDir, node, vmid, includeOld));

    public static string Tail(string log, int lines = 30) => string.Join('\n', Lines(log).TakeLast(lines));

    // ---- waiting for output -------------------------------------------------------------

    private static async Task<string> WaitForAsync(Target t, Func<string, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var log = t.Read();
            if (done(log)) return log;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not seen on {t.Where} within {timeout}. {t.Describe()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls the serial log until <paramref name="done"/> holds; fails with the log tail.</summary>
    public static Task<string> WaitForAsync(QemuHypervisorDriver d, int vmid, Func<string, bool> done, TimeSpan timeout, string what) =>
        WaitForAsync(Of(d, vmid), done, timeout, what);

    /// <summary>Polls the node's serial log until <paramref name="done"/> holds; fails with the run dir, QEMU and log tails.</summary>
    public static Task<string> WaitForAsync(string dataDir, string node, int vmid, Func<string, bool> done, TimeSpan timeout, string what) =>
        WaitForAsync(Of(dataDir, node, vmid), done, timeout, what);

    private static Task<string> WaitForLineAsync(Target t, string line, TimeSpan timeout) =>
        WaitForAsync(t, log => Lines(log).Contains(line), timeout, $"line '{line}'");

    public static Task<string> WaitForLineAsync(QemuHypervisorDriver d, int vmid, string line, TimeSpan? timeout = null) =>
        WaitForLineAsync(Of(d, vmid), line, timeout ?? TimeSpan.FromSeconds(90));

    public static Task<string> WaitForLineAsync(string dataDir, string node, int vmid, string line, TimeSpan? timeout = null) =>
        WaitForLineAsync(Of(dataDir, node, vmid), line, timeout ?? TimeSpan.FromSeconds(120));

    private static Task<string> WaitForHeartbeatAsync(Target t, int atLeast, TimeSpan timeout) =>
        WaitForAsync(t, log => LastHeartbeat(log) >= atLeast, timeout, $"heartbeat >= {atLeast}");

    public static Task<string> WaitForHeartbeatAsync(QemuHypervisorDriver d, int vmid, int atLeast, TimeSpan? timeout = null) =>
        WaitForHeartbeatAsync(Of(d, vmid), atLeast, timeout ?? TimeSpan.FromSeconds(90));

    public static Task<string> WaitForHeartbeatAsync(string dataDir, string node, int vmid, int atLeast, TimeSpan? timeout = null) =>
        WaitForHeartbeatAsync(Of(dataDir, node, vmid), atLeast, timeout ?? TimeSpan.FromSeconds(120));

    /// <summary>
    /// Waits until the guest has printed heartbeats and finished its disk probe (formatting a blank disk writes fresh pages;
    /// a migration meanwhile meets the known QEMU 7.2 TCG defect more often, docs/qemu-driver.md).
    /// </summary>
    public static Task<string> WaitForSettledAsync(string dataDir, string node, int vmid, TimeSpan? timeout = null) =>
        WaitForAsync(Of(dataDir, node, vmid), log => LastHeartbeat(log) >= 3 && Lines(log).Any(IsDiskProbeEnd),
            timeout ?? TimeSpan.FromSeconds(120), "heartbeat >= 3 and the end of the disk probe");

    /// <summary>The disk probe's last line (scripts/guest/init): no data disk, or its mount's outcome ("disk boot" and "disk formatted" come before).</summary>
    private static bool IsDiskProbeEnd(string line) =>
        line == "disk none" || line.StartsWith("disk mounted ", StringComparison.Ordinal) || line.StartsWith("disk mount-failed ", StringComparison.Ordinal);

    // ---- typing commands ------------------------------------------------------------------

    /// <summary>Types one line into the guest's console through serial.sock (from outside the member).</summary>
    public static async Task SendLineAsync(string dataDir, string node, int vmid, string line)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(Reality.SerialSocket(dataDir, node, vmid)));
        var bytes = Encoding.UTF8.GetBytes(line.TrimEnd('\n') + "\n");
        await s.SendAsync(bytes, SocketFlags.None);
        // The emulated UART takes 16 bytes at a time: stay connected until QEMU has fed it all to the guest.
        await Task.Delay(300 + bytes.Length * 5);
    }

    private static async Task<IReadOnlyList<string>> RunAsync(Target t, string command, TimeSpan timeout)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        string start = $"cmd-start-{id}", end = $"cmd-end-{id}";
        var deadline = DateTime.UtcNow + timeout;
        for (var attempt = 1; ; attempt++)
        {
            await t.Send($"echo {start}; {command}; echo {end}");
            try
            {
                var log = await WaitForAsync(t, l => Lines(l).Contains(end), TimeSpan.FromSeconds(20), $"end of '{command}'");
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

    /// <summary>Runs a shell command in the guest; returns the (non-heartbeat) lines it printed.</summary>
    public static Task<IReadOnlyList<string>> RunAsync(QemuHypervisorDriver d, int vmid, string command, TimeSpan? timeout = null) =>
        RunAsync(Of(d, vmid), command, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Runs a shell command in the guest of a member's VM; returns the (non-heartbeat) lines it printed.</summary>
    public static Task<IReadOnlyList<string>> RunAsync(string dataDir, string node, int vmid, string command, TimeSpan? timeout = null) =>
        RunAsync(Of(dataDir, node, vmid), command, timeout ?? TimeSpan.FromSeconds(90));
}

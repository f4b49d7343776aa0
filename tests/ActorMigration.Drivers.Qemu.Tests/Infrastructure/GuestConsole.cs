using System.Text.RegularExpressions;
using ActorMigration.Drivers.Qemu.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>Talks to the test guest through its serial console and reads its serial log.</summary>
public static class GuestConsole
{
    private static readonly Regex Heartbeat = new(@"^heartbeat (\d+)$", RegexOptions.Compiled);

    public static IReadOnlyList<string> Lines(string log) =>
        log.Replace("\r", "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();

    /// <summary>Heartbeat numbers in log order.</summary>
    public static IReadOnlyList<int> Heartbeats(string log) =>
        Lines(log).Select(l => Heartbeat.Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();

    public static int LastHeartbeat(QemuHypervisorDriver d, int vmid) =>
        Heartbeats(d.ReadSerialLog(vmid)) is { Count: > 0 } h ? h[^1] : -1;

    /// <summary>Polls the serial log until <paramref name="done"/> holds; fails with the log tail.</summary>
    public static async Task<string> WaitForAsync(QemuHypervisorDriver d, int vmid, Func<string, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var log = d.ReadSerialLog(vmid);
            if (done(log)) return log;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not seen on {d.Node}/{vmid} within {timeout}. Log tail:\n{Tail(log)}");
            await Task.Delay(100);
        }
    }

    public static Task<string> WaitForLineAsync(QemuHypervisorDriver d, int vmid, string line, TimeSpan? timeout = null) =>
        WaitForAsync(d, vmid, log => Lines(log).Contains(line), timeout ?? TimeSpan.FromSeconds(90), $"line '{line}'");

    public static Task<string> WaitForHeartbeatAsync(QemuHypervisorDriver d, int vmid, int atLeast, TimeSpan? timeout = null) =>
        WaitForAsync(d, vmid, log => Heartbeats(log) is { Count: > 0 } h && h[^1] >= atLeast, timeout ?? TimeSpan.FromSeconds(90),
            $"heartbeat >= {atLeast}");

    /// <summary>Runs a shell command in the guest; returns the log lines it printed before its end marker.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(QemuHypervisorDriver d, int vmid, string command, TimeSpan? timeout = null)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var start = $"cmd-start-{id}";
        var end = $"cmd-end-{id}";
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + limit;
        for (var attempt = 0; ; attempt++)
        {
            await d.SendSerialLineAsync(vmid, $"echo {start}; {command}; echo {end}");
            try
            {
                var log = await WaitForAsync(d, vmid, l => Lines(l).Contains(end), TimeSpan.FromSeconds(20), $"end of '{command}'");
                var lines = Lines(log);
                var from = lines.ToList().LastIndexOf(start);
                var to = lines.ToList().LastIndexOf(end);
                return lines.Skip(from + 1).Take(to - from - 1).Where(l => !Heartbeat.IsMatch(l)).ToList();
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline && attempt < 3)
            {
                // A line typed while the console was busy can get lost; type it again.
            }
        }
    }

    public static string Tail(string log, int lines = 30) => string.Join('\n', Lines(log).TakeLast(lines));
}

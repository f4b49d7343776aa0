using System.Runtime.InteropServices;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Qemu.Util;

/// <summary>Looks at and signals processes that are not our children (daemonized QEMU, qemu-nbd).</summary>
internal static class ProcessTools
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);

    /// <summary>Reads a pidfile; null when missing or garbled.</summary>
    public static int? ReadPidFile(string path) => PidFiles.Read(path);

    /// <inheritdoc cref="PidFiles.IsAlive"/>
    public static bool IsAlive(int pid, string? marker = null) => PidFiles.IsAlive(pid, marker);

    /// <inheritdoc cref="PidFiles.LivePid"/>
    public static int? LivePid(string pidFile) => PidFiles.LivePid(pidFile);

    public static string[] CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
    }

    public static void Signal(int pid, int sig) => SysKill(pid, sig);

    /// <summary>Waits until the process is gone; true if it went away in time.</summary>
    public static async Task<bool> WaitExitAsync(int pid, string? marker, TimeSpan timeout, CancellationToken ct = default)
    {
        var start = DateTime.UtcNow;
        var deadline = start + timeout;
        var pause = 2; // ms: a quitting QEMU is usually gone within a few, so look every 2 ms for 100 ms; then back off to 50
        while (IsAlive(pid, marker))
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(pause, ct);
            if (DateTime.UtcNow - start > TimeSpan.FromMilliseconds(100)) pause = Math.Min(50, pause * 2);
        }
        return true;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; waits until gone.</summary>
    public static async Task TerminateAsync(int pid, string? marker, TimeSpan grace, CancellationToken ct = default)
    {
        if (!IsAlive(pid, marker)) return;
        Signal(pid, SigTerm);
        if (await WaitExitAsync(pid, marker, grace, ct)) return;
        Signal(pid, SigKill);
        if (!await WaitExitAsync(pid, marker, TimeSpan.FromSeconds(10), ct))
            throw new InvalidOperationException($"process {pid} did not die after SIGKILL");
    }

    /// <summary>Seconds since the process started, from /proc.</summary>
    public static long UptimeSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var startTicks = long.Parse(fields[19]); // field 22 overall
            var uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            return Math.Max(0, (long)(uptime - startTicks / 100.0));
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}

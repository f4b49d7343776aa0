namespace ActorMigration.Drivers.Abstractions;

/// <summary>
/// Processes we do not own (daemonized QEMU, swtpm, qemu-nbd, a node's watchdog) found through their pidfiles. Each
/// such process has its pidfile's path in its command line, which guards against a recycled pid.
/// </summary>
public static class PidFiles
{
    /// <summary>Reads a pidfile; null when missing or garbled.</summary>
    public static int? Read(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return int.TryParse(text, out var pid) && pid > 1 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when <paramref name="pid"/> runs, is not a zombie, and its command line contains
    /// <paramref name="marker"/> (guards against a recycled pid).
    /// </summary>
    public static bool IsAlive(int pid, string? marker = null)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            if (close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X') return false;
            if (marker is null) return true;
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The pid in <paramref name="pidFile"/> when that process runs with the pidfile's path in its command line.</summary>
    public static int? LivePid(string pidFile) => Read(pidFile) is { } pid && IsAlive(pid, pidFile) ? pid : null;
}

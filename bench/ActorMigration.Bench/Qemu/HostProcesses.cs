using System.Diagnostics;

namespace ActorMigration.Bench.Qemu;

/// <summary>Processes of the host, read from /proc.</summary>
public static class HostProcesses
{
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return !(close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static void KillMentioning(string dir)
    {
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(d, "cmdline")).Contains(dir + "/")) Process.GetProcessById(pid).Kill();
            }
            catch (Exception)
            {
            }
        }
    }
}

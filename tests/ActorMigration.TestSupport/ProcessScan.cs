namespace ActorMigration.TestSupport;

/// <summary>Finds and kills processes whose command line mentions a test directory.</summary>
public static class ProcessScan
{
    /// <summary>Live processes (not zombies) with their argv, by /proc scan; this process left out.</summary>
    public static IEnumerable<(int Pid, string[] Argv)> Live()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (stat[(stat.LastIndexOf(')') + 2)..] is ['Z' or 'X', ..]) continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (argv.Length > 0) yield return (pid, argv);
        }
    }

    /// <summary>The parent pid of a process, null once it is gone.</summary>
    public static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Pids of live processes whose command line mentions <paramref name="root"/> (optionally of one program).</summary>
    public static IReadOnlyList<int> Find(string root, string? program = null) =>
        Live().Where(p => (program is null || Path.GetFileName(p.Argv[0]).StartsWith(program, StringComparison.Ordinal))
                          && p.Argv.Any(a => a.Contains(root, StringComparison.Ordinal)))
            .Select(p => p.Pid).ToList();

    /// <summary>SIGKILLs every process that mentions <paramref name="root"/> and waits until they are gone.</summary>
    public static async Task KillAllAsync(string root)
    {
        var pids = Find(root);
        foreach (var pid in pids)
        {
            try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (Exception) { }
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Find(root).Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
    }
}

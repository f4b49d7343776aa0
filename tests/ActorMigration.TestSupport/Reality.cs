using System.Text.Json.Nodes;

namespace ActorMigration.TestSupport;

/// <summary>What really runs on a node, read from the drivers' run directories and /proc (not through our actors).</summary>
public static class Reality
{
    public static string? SimVmState(string dataDir, string node, int vmid)
    {
        var file = Path.Combine(dataDir, "run", node, "sim", "vms", $"{vmid}.json");
        if (!File.Exists(file)) return null;
        return JsonNode.Parse(File.ReadAllText(file))?["state"]?.ToString();
    }

    /// <summary>Nodes where the VM has a live (not stopped) simulated process.</summary>
    public static IReadOnlyList<string> NodesRunning(string dataDir, int vmid, params string[] nodes) =>
        nodes.Where(n => SimVmState(dataDir, n, vmid) is { } s && !s.Equals("Stopped", StringComparison.OrdinalIgnoreCase)).ToList();

    // ---- real QEMU (AM_DRIVER=qemu): <data>/run/<node>/qemu/<vmid>/{qemu.pid,qmp.sock,serial.sock,serial.log} ----

    public static string QemuDir(string dataDir, string node, int vmid) =>
        Path.Combine(dataDir, "run", node, "qemu", vmid.ToString());

    public static string QemuPidFile(string dataDir, string node, int vmid) => Path.Combine(QemuDir(dataDir, node, vmid), "qemu.pid");

    public static string SerialSocket(string dataDir, string node, int vmid) => Path.Combine(QemuDir(dataDir, node, vmid), "serial.sock");

    /// <summary>
    /// The pid in the node's QEMU pidfile if that process lives (not a zombie) and really is this VM's QEMU
    /// (its command line names the pidfile, so a recycled pid does not count); else null.
    /// </summary>
    public static int? QemuPid(string dataDir, string node, int vmid)
    {
        var pidFile = QemuPidFile(dataDir, node, vmid);
        string text;
        try
        {
            text = File.ReadAllText(pidFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return int.TryParse(text, out var pid) && IsAlive(pid) && CommandLine(pid).Contains(pidFile) ? pid : null;
    }

    /// <summary>Nodes whose pidfile points at a live QEMU of the VM.</summary>
    public static IReadOnlyList<string> NodesRunningQemu(string dataDir, int vmid, params string[] nodes) =>
        nodes.Where(n => QemuPid(dataDir, n, vmid) is not null).ToList();

    /// <summary>
    /// Every live qemu-system process on this machine whose pidfile lies in this data directory for this VM, by
    /// /proc scan (finds a QEMU even if its pidfile is gone): (pid, node).
    /// </summary>
    public static IReadOnlyList<(int Pid, string Node)> QemuProcesses(string dataDir, int vmid) => QemuProcesses(Processes(), dataDir, vmid);

    /// <summary><see cref="QemuProcesses(string, int)"/> among processes already scanned.</summary>
    public static IReadOnlyList<(int Pid, string Node)> QemuProcesses(IEnumerable<(int Pid, string[] Argv)> processes, string dataDir, int vmid)
    {
        var result = new List<(int, string)>();
        var prefix = Path.Combine(dataDir, "run") + "/";
        var suffix = $"/qemu/{vmid}/qemu.pid";
        foreach (var (pid, argv) in processes)
        {
            if (argv.Length == 0 || !Path.GetFileName(argv[0]).StartsWith("qemu-system", StringComparison.Ordinal)) continue;
            var i = Array.IndexOf(argv, "-pidfile");
            if (i < 0 || i + 1 >= argv.Length) continue;
            var pf = argv[i + 1];
            if (pf.StartsWith(prefix, StringComparison.Ordinal) && pf.EndsWith(suffix, StringComparison.Ordinal))
                result.Add((pid, pf[prefix.Length..^suffix.Length]));
        }
        return result;
    }

    /// <summary>True while /proc/&lt;pid&gt; exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return !(close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The command line of a process ("" if gone).</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>
    /// The VM's serial console output on a node: the last stopped QEMU's (serial.log.old) when
    /// <paramref name="includeOld"/>, then the running one's (serial.log).
    /// </summary>
    public static string SerialLog(string dataDir, string node, int vmid, bool includeOld = false)
    {
        var dir = QemuDir(dataDir, node, vmid);
        var text = "";
        foreach (var f in includeOld ? new[] { "serial.log.old", "serial.log" } : ["serial.log"])
        {
            try
            {
                using var fs = new FileStream(Path.Combine(dir, f), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                text += new StreamReader(fs).ReadToEnd();
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
            }
        }
        return text;
    }

    /// <summary>What a failure message needs: the run dir's files, the QEMU pid and both serial logs' tails.</summary>
    public static string Describe(string dataDir, string node, int vmid)
    {
        var dir = QemuDir(dataDir, node, vmid);
        var files = Directory.Exists(dir)
            ? string.Join(", ", Directory.EnumerateFileSystemEntries(dir).Select(f => $"{Path.GetFileName(f)} ({new FileInfo(f).Length} B)"))
            : "(no run dir)";
        var pid = QemuPid(dataDir, node, vmid);
        var old = SerialLog(dataDir, node, vmid, includeOld: true);
        return $"Run dir {dir}: {files}; live QEMU pid {pid?.ToString() ?? "none"}.\n" +
               (pid is { } p ? $"QEMU threads' CPU over 1 s (a silent guest: vCPU near 0 % waits for an interrupt, near 100 % spins): {ThreadCpu(p)}\n" : "") +
               $"serial.log.old+serial.log tail:\n{GuestConsole.Tail(old, 25)}";
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

    /// <summary>Live processes with their argv.</summary>
    public static IEnumerable<(int Pid, string[] Argv)> Processes() => ProcessScan.Live();

    /// <summary>SIGKILLs every process whose command line mentions <paramref name="dir"/> and waits until they are gone.</summary>
    public static async Task KillProcessesMentioningAsync(string dir)
    {
        var root = dir.TrimEnd('/');
        List<int> Find() => Processes()
            .Where(p => p.Argv.Any(a => a == root || a.Contains(root + "/", StringComparison.Ordinal)))
            .Select(p => p.Pid).ToList();
        foreach (var pid in Find())
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Find().Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
    }
}

using System.Globalization;
using ActorMigration.Domain.Cluster;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Qemu.Node;

/// <summary>
/// The host's status from /proc and /sys, read as pve-manager's Nodes.pm status reads them (ProcFSTools): uptime, load
/// averages, CPU use and I/O wait over a short sample of /proc/stat, memory and swap from /proc/meminfo, the root file
/// system's statvfs, KSM's shared pages, the CPU model and the kernel.
/// </summary>
internal static class HostStatus
{
    private static readonly TimeSpan CpuSample = TimeSpan.FromMilliseconds(100);

    public static async Task<NodeStatus> ReadAsync(CancellationToken ct)
    {
        var before = CpuTimes();
        await Task.Delay(CpuSample, ct);
        var after = CpuTimes();
        var total = after.Total - before.Total;
        var mem = MemInfo();
        long Kb(string key) => mem.GetValueOrDefault(key) * 1024;
        var memTotal = Kb("MemTotal");
        var memAvail = mem.ContainsKey("MemAvailable") ? Kb("MemAvailable") : Kb("MemFree") + Kb("Buffers") + Kb("Cached");
        var swapTotal = Kb("SwapTotal");
        var swapFree = Kb("SwapFree");
        return new NodeStatus(
            Uptime: (long)double.Parse(Read("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture),
            LoadAvg: Read("/proc/loadavg").Split(' ').Take(3).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList(),
            Cpu: total > 0 ? Math.Clamp(1 - (double)(after.Idle - before.Idle) / total, 0, 1) : 0,
            Wait: total > 0 ? Math.Clamp((double)(after.IoWait - before.IoWait) / total, 0, 1) : 0,
            Memory: new SpaceUsage(memTotal, memTotal - memAvail, memAvail, memAvail),
            Swap: new SpaceUsage(swapTotal, swapTotal - swapFree, swapFree, swapFree),
            RootFs: FileSystemSpace.Of("/"),
            KsmShared: ReadLong("/sys/kernel/mm/ksm/pages_sharing") * Environment.SystemPageSize,
            CpuInfo: Cpu(),
            Kernel: new KernelFacts(Read("/proc/sys/kernel/ostype").Trim(), Read("/proc/sys/kernel/osrelease").Trim(),
                Read("/proc/sys/kernel/version").Trim(), System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
                {
                    System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
                    _ => "x86_64",
                }));
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "0 0 0";
        }
    }

    private static long ReadLong(string path) => long.TryParse(Read(path).Trim(), out var n) ? n : 0;

    /// <summary>The first line of /proc/stat: (all jiffies, idle + iowait, iowait).</summary>
    private static (long Total, long Idle, long IoWait) CpuTimes()
    {
        var line = Read("/proc/stat").Split('\n')[0];
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.TryParse(v, out var n) ? n : 0).ToArray();
        if (f.Length < 5) return (0, 0, 0);
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        return (f.Take(8).Sum(), f[3] + f[4], f[4]);
    }

    private static Dictionary<string, long> MemInfo()
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in Read("/proc/meminfo").Split('\n'))
        {
            var parts = line.Split(':', 2);
            if (parts.Length == 2 && long.TryParse(parts[1].Trim().Split(' ')[0], out var kb)) d[parts[0]] = kb;
        }
        return d;
    }

    private static CpuFacts Cpu()
    {
        string model = "unknown", flags = "";
        double mhz = 0;
        var sockets = new HashSet<string>();
        var cores = 0;
        foreach (var line in Read("/proc/cpuinfo").Split('\n'))
        {
            var i = line.IndexOf(':');
            if (i <= 0) continue;
            var (key, value) = (line[..i].Trim(), line[(i + 1)..].Trim());
            switch (key)
            {
                case "model name": model = value; break;
                case "cpu MHz": double.TryParse(value, CultureInfo.InvariantCulture, out mhz); break;
                case "physical id": sockets.Add(value); break;
                case "cpu cores": int.TryParse(value, out cores); break;
                case "flags": flags = value; break;
            }
        }
        var count = Environment.ProcessorCount;
        var socketCount = Math.Max(1, sockets.Count);
        return new CpuFacts(model, count, socketCount, cores > 0 ? cores : count, mhz,
            flags.Split(' ').Any(f => f is "vmx" or "svm"), flags);
    }
}

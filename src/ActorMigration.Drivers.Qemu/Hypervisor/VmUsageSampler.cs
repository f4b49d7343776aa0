using System.Collections.Concurrent;
using System.Globalization;
using ActorMigration.Domain.Balance;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// Measured use of QEMU processes from <c>/proc</c> (no QMP round trip): CPU cores = (utime + stime) delta of
/// <c>/proc/&lt;pid&gt;/stat</c> over the time between two samples (null on a VM's first sample or a new pid), memory =
/// resident pages of <c>/proc/&lt;pid&gt;/statm</c>.
/// </summary>
public sealed class VmUsageSampler(TimeProvider? time = null)
{
    /// <summary>USER_HZ: the unit of utime/stime in <c>/proc</c>, 100 on every Linux ABI .NET runs on.</summary>
    public const double UserHz = 100;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<int, (int Pid, long Ticks, long At)> _last = new();

    public IReadOnlyList<VmUsage> Sample(IEnumerable<(int VmId, int Pid)> running)
    {
        var result = new List<VmUsage>();
        var seen = new HashSet<int>();
        foreach (var (vmid, pid) in running)
        {
            var at = _time.GetTimestamp();
            if (ReadCpuTicks(pid) is not { } ticks || ReadRssBytes(pid) is not { } rss) continue;
            seen.Add(vmid);
            double? cores = null;
            if (_last.TryGetValue(vmid, out var prev) && prev.Pid == pid && at > prev.At)
                cores = Math.Max(0, (ticks - prev.Ticks) / UserHz / _time.GetElapsedTime(prev.At, at).TotalSeconds);
            _last[vmid] = (pid, ticks, at);
            result.Add(new VmUsage(vmid, cores, rss));
        }
        foreach (var gone in _last.Keys.Where(k => !seen.Contains(k)).ToList()) _last.TryRemove(gone, out _);
        return result;
    }

    /// <summary>utime + stime (fields 14 and 15) of <c>/proc/&lt;pid&gt;/stat</c> in USER_HZ ticks; null when gone.</summary>
    public static long? ReadCpuTicks(int pid) => Read($"/proc/{pid}/stat") is { } s ? ParseCpuTicks(s) : null;

    /// <summary>Resident set (field 2 of <c>/proc/&lt;pid&gt;/statm</c>, pages) in bytes; null when gone.</summary>
    public static long? ReadRssBytes(int pid) => Read($"/proc/{pid}/statm") is { } s ? ParseRssPages(s) * Environment.SystemPageSize : null;

    /// <summary>The command name may hold spaces and parentheses: fields are counted after the last ')'.</summary>
    public static long? ParseCpuTicks(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0) return null;
        // After ')': field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
        var f = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return f.Length > 12 && long.TryParse(f[11], CultureInfo.InvariantCulture, out var u) && long.TryParse(f[12], CultureInfo.InvariantCulture, out var s)
            ? u + s
            : null;
    }

    public static long? ParseRssPages(string statm)
    {
        var f = statm.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return f.Length > 1 && long.TryParse(f[1], CultureInfo.InvariantCulture, out var pages) ? pages : null;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
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
}

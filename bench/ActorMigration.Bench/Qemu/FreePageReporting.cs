using System.Globalization;

namespace ActorMigration.Bench.Qemu;

/// <summary>
/// Some hosts (this one is a microVM) report freed memory to their own hypervisor (Linux page_reporting). A QEMU
/// whose guest RAM then comes from reported memory faults every page back in from that hypervisor while it zeroes
/// it: the incoming side of a 512 MiB migration takes 0.5-1 s instead of 0.1 s, whichever driver runs it, depending
/// only on when the last reporting pass ran. While held, memory freed less than a minute ago is not reported, so
/// each new target reuses the memory its predecessor freed a moment before. Restored on dispose.
/// </summary>
public sealed class FreePageReporting : IDisposable
{
    private const string Dir = "/sys/module/page_reporting/parameters";
    private const string HoldMs = "60000";
    private readonly string? _original;
    private readonly long _reportedAtStart;

    /// <summary>One line for the report: held, left alone, or not present.</summary>
    public string State { get; }

    private FreePageReporting(string? original, string state)
    {
        _original = original;
        State = state;
        _reportedAtStart = ReportedKiB();
    }

    /// <summary>Holds reporting back unless AM_BENCH_PAGE_REPORTING=keep or the host has no such knob.</summary>
    public static FreePageReporting Hold()
    {
        var knob = Path.Combine(Dir, "min_free_ms");
        if (!File.Exists(knob)) return new FreePageReporting(null, "not present on this host");
        var original = File.ReadAllText(knob).Trim();
        if (Environment.GetEnvironmentVariable("AM_BENCH_PAGE_REPORTING") == "keep")
            return new FreePageReporting(null, $"left on (min_free_ms {original}, AM_BENCH_PAGE_REPORTING=keep)");
        try
        {
            File.WriteAllText(knob, HoldMs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FreePageReporting(null, $"on, could not hold it ({e.Message})");
        }
        return new FreePageReporting(original, $"held (min_free_ms {original} -> {HoldMs} during the run)");
    }

    /// <summary>KiB the host reported during the run so far (-1 if unknown).</summary>
    public long ReportedSinceStart() => _reportedAtStart < 0 ? -1 : ReportedKiB() - _reportedAtStart;

    private static long ReportedKiB()
    {
        var f = Path.Combine(Dir, "reported_kib");
        return File.Exists(f) && long.TryParse(File.ReadAllText(f).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1;
    }

    public void Dispose()
    {
        if (_original is not null) File.WriteAllText(Path.Combine(Dir, "min_free_ms"), _original);
    }
}

using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace ActorMigration.TestSupport;

/// <summary>
/// A running QEMU's guest RAM, read from the host (/proc/&lt;pid&gt;/maps, pagemap and mem; needs root): how many bytes
/// QEMU's first precopy pass will put on the wire. That pass sends every page once, a non-zero page whole (4 KiB and
/// an 8-byte header) and a zero page as a 9-byte marker; at a bandwidth limit it takes that many bytes / limit.
/// </summary>
public static class GuestRam
{
    private const int Page = 4096;

    /// <summary>The bytes QEMU's first precopy pass sends for the guest RAM of QEMU <paramref name="pid"/> now.</summary>
    public static long FirstPassBytes(int pid, int memoryMiB)
    {
        var pages = (int)(((long)memoryMiB << 20) / Page);
        var nonZero = NonZeroPages(pid, RamStart(pid, (long)memoryMiB << 20), pages);
        return nonZero * (Page + 8L) + (pages - nonZero) * 9L;
    }

    /// <summary>The guest RAM: the largest private anonymous read-write mapping at least the guest's memory in size.</summary>
    private static long RamStart(int pid, long bytes)
    {
        (long, long)? best = null;
        foreach (var line in File.ReadLines($"/proc/{pid}/maps"))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || f[1] != "rw-p" || f[4] != "0" || f.Length > 5) continue;
            var range = f[0].Split('-');
            var start = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (end - start >= bytes && (best is null || end - start > best.Value.Item2)) best = (start, end - start);
        }
        return best?.Item1 ?? throw new InvalidOperationException($"no guest RAM mapping of {bytes} bytes in QEMU {pid}");
    }

    /// <summary>Pages present (pagemap bit 63) in the range whose content is not all zero.</summary>
    private static long NonZeroPages(int pid, long start, int pages)
    {
        using var map = File.OpenHandle($"/proc/{pid}/pagemap");
        using var mem = File.OpenHandle($"/proc/{pid}/mem");
        var entries = new byte[pages * 8];
        Read(map, entries, start / Page * 8);
        var buf = new byte[Page];
        long nonZero = 0;
        for (var i = 0; i < pages; i++)
        {
            if ((BitConverter.ToUInt64(entries, i * 8) & (1UL << 63)) == 0) continue;
            Read(mem, buf, start + (long)i * Page);
            if (buf.AsSpan().IndexOfAnyExcept((byte)0) >= 0) nonZero++;
        }
        return nonZero;
    }

    private static void Read(SafeFileHandle h, byte[] buf, long offset)
    {
        for (var done = 0; done < buf.Length;)
        {
            var n = RandomAccess.Read(h, buf.AsSpan(done), offset + done);
            if (n <= 0) throw new IOException($"short read at {offset + done:x}");
            done += n;
        }
    }
}

using System.Buffers.Binary;
using ActorMigration.Domain.Import;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// The virtual size of a real image file that has no sidecar, read in the format its name gives (never probed):
/// a qcow2 or VMDK header, a VMDK descriptor; else the file length.
/// </summary>
internal static class DiskImageProbe
{
    /// <summary>Enough for the headers and a VMDK descriptor file.</summary>
    public const int HeaderBytes = 64 * 1024;

    public static long Probe(Stream file, string format)
    {
        var h = new byte[HeaderBytes];
        file.Position = 0;
        var n = file.ReadAtLeast(h, h.Length, throwOnEndOfStream: false);
        return FromHeader(h.AsSpan(0, n), file.Length, format);
    }

    /// <summary>From an image's first bytes and its length (a file, or a member of an archive).</summary>
    public static long FromHeader(ReadOnlySpan<byte> h, long length, string format)
    {
        if (format == "qcow2" && h.Length >= 32 && h[0] == 'Q' && h[1] == 'F' && h[2] == 'I' && h[3] == 0xfb)
            return (long)BinaryPrimitives.ReadUInt64BigEndian(h[24..]);
        if (format == "vmdk" && VmdkSize.TryRead(h, out var bytes)) return bytes;
        return length;
    }
}

using System.Buffers.Binary;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Reads the virtual size of real image files that have no sidecar (qcow2, sparse VMDK), else the file length.</summary>
internal static class DiskImageProbe
{
    public const int HeaderBytes = 32;

    public static (string Format, long VirtualSize) Probe(Stream file, string formatHint)
    {
        Span<byte> h = stackalloc byte[HeaderBytes];
        file.Position = 0;
        var n = file.ReadAtLeast(h, h.Length, throwOnEndOfStream: false);
        return FromHeader(h[..n], file.Length, formatHint);
    }

    /// <summary>From an image's first bytes and its length (a file, or a member of an archive).</summary>
    public static (string Format, long VirtualSize) FromHeader(ReadOnlySpan<byte> h, long length, string formatHint)
    {
        if (h.Length >= 32 && h[0] == 'Q' && h[1] == 'F' && h[2] == 'I' && h[3] == 0xfb)
            return ("qcow2", (long)BinaryPrimitives.ReadUInt64BigEndian(h[24..]));
        if (h.Length >= 20 && h[0] == 'K' && h[1] == 'D' && h[2] == 'M' && h[3] == 'V')
            return ("vmdk", (long)BinaryPrimitives.ReadUInt64LittleEndian(h[12..]) * 512);
        return (formatHint, length);
    }
}

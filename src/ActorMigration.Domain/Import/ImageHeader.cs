using System.Buffers.Binary;
using System.Text;

namespace ActorMigration.Domain.Import;

/// <summary>
/// Reads from an image's first bytes what it refers to, before qemu-img opens it (qemu-img info opens VMDK extents
/// and qcow2 data files, so they are checked first): qcow2 backing file and external data file flag, VMDK descriptor
/// extents (a descriptor file, or the descriptor a sparse VMDK of capacity 0 embeds) and parent hint.
/// </summary>
public static class ImageHeader
{
    private const int Sector = 512;

    /// <summary>How many bytes to pass: QEMU reads a VMDK descriptor of up to 1 MiB.</summary>
    public const int Bytes = 1 << 20;

    private const ulong Qcow2DataFileBit = 1UL << 2;

    private static ReadOnlySpan<byte> Qcow2Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xfb];

    /// <summary>The facts of an image opened as <paramref name="format"/>; raw refers to nothing.</summary>
    public static ImageFacts Read(ReadOnlySpan<byte> head, string format) => format switch
    {
        "qcow2" => Qcow2(head),
        "vmdk" => Vmdk(head),
        _ => ImageFacts.Plain(format),
    };

    private static ImageFacts Qcow2(ReadOnlySpan<byte> h)
    {
        if (h.Length < 20 || !h[..4].SequenceEqual(Qcow2Magic)) return ImageFacts.Plain("qcow2");
        var version = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
        var backingOffset = BinaryPrimitives.ReadUInt64BigEndian(h[8..]);
        var backingSize = BinaryPrimitives.ReadUInt32BigEndian(h[16..]);
        string? backing = null;
        if (backingOffset != 0)
        {
            backing = backingOffset + backingSize <= (ulong)h.Length
                ? Encoding.UTF8.GetString(h.Slice((int)backingOffset, (int)backingSize))
                : "(beyond the header)";
        }
        var dataFile = version >= 3 && h.Length >= 80 && (BinaryPrimitives.ReadUInt64BigEndian(h[72..]) & Qcow2DataFileBit) != 0;
        return new ImageFacts("qcow2", backing, dataFile, []);
    }

    private static ImageFacts Vmdk(ReadOnlySpan<byte> h)
    {
        if (h.Length >= 4 && h[..4].SequenceEqual("COWD"u8)) return ImageFacts.Plain("vmdk");
        if (h.Length >= 4 && h[..4].SequenceEqual("KDMV"u8)) return Sparse(h);
        var text = Encoding.UTF8.GetString(h);
        if (!VmdkDescriptor.Looks(text)) return ImageFacts.Plain("vmdk");
        return FromDescriptor(text, withExtents: true);
    }

    /// <summary>A sparse VMDK is its own extent unless its capacity is 0: then its embedded descriptor names the extents.</summary>
    private static ImageFacts Sparse(ReadOnlySpan<byte> h)
    {
        if (h.Length < 44) return ImageFacts.Plain("vmdk") with { Unreadable = true };
        var capacity = BinaryPrimitives.ReadUInt64LittleEndian(h[12..]);
        var descOffset = BinaryPrimitives.ReadUInt64LittleEndian(h[28..]);
        var descSize = BinaryPrimitives.ReadUInt64LittleEndian(h[36..]);
        // QEMU reads the parent hint from the descriptor in sector 1 (when there is one).
        var at = descOffset == 0 ? 1UL : descOffset;
        var size = descOffset == 0 ? 20UL : descSize;
        var fits = at < (ulong)h.Length / Sector && size <= (ulong)h.Length / Sector;
        if (!fits) return capacity == 0 ? ImageFacts.Plain("vmdk") with { Unreadable = true } : ImageFacts.Plain("vmdk");
        var start = (int)at * Sector;
        var text = Encoding.UTF8.GetString(h.Slice(start, Math.Min(h.Length - start, (int)size * Sector)));
        return FromDescriptor(text, withExtents: capacity == 0);
    }

    private static ImageFacts FromDescriptor(string text, bool withExtents)
    {
        // QEMU stops at the first NUL; the text after it is read too, to miss nothing.
        if (VmdkDescriptor.TryParse(text.Replace('\0', '\n')) is not { } d)
            return ImageFacts.Plain("vmdk") with { Unreadable = withExtents };
        return new ImageFacts("vmdk", d.ParentHint, false, withExtents ? d.Files.ToList() : []);
    }
}

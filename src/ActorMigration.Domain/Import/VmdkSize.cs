using System.Buffers.Binary;
using System.Text;

namespace ActorMigration.Domain.Import;

/// <summary>Virtual size of a VMDK from its first bytes: a sparse header (<c>KDMV</c>) or a text descriptor.</summary>
public static class VmdkSize
{
    private const int Sector = 512;

    /// <summary>Reads the virtual size; pass at least the first 512 bytes (a descriptor file whole, up to 64 KiB).</summary>
    public static bool TryRead(ReadOnlySpan<byte> head, out long bytes)
    {
        bytes = 0;
        if (head.Length >= 20 && head[..4].SequenceEqual("KDMV"u8))
        {
            var sectors = BinaryPrimitives.ReadUInt64LittleEndian(head[12..20]);
            if (sectors > long.MaxValue / Sector) return false;
            bytes = (long)sectors * Sector;
            return true;
        }
        var text = Encoding.UTF8.GetString(head[..Math.Min(head.Length, 64 * 1024)]);
        return TryReadDescriptor(text, out bytes);
    }

    /// <summary>Sums the extents of a text descriptor (<c>RW 83886080 VMFS "x-flat.vmdk"</c>), parsed by <see cref="VmdkDescriptor"/>.</summary>
    public static bool TryReadDescriptor(string text, out long bytes)
    {
        bytes = 0;
        if (!VmdkDescriptor.Looks(text) || VmdkDescriptor.TryParse(text) is not { } d) return false;
        var extents = d.Extents.Where(e => e.Sectors > 0).ToList();
        try
        {
            foreach (var e in extents) bytes = checked(bytes + e.Sectors * Sector);
        }
        catch (OverflowException)
        {
            return false;
        }
        return extents.Count > 0;
    }
}

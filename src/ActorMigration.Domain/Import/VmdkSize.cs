using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Import;

/// <summary>Virtual size of a VMDK from its first bytes: a sparse header (<c>KDMV</c>) or a text descriptor.</summary>
public static partial class VmdkSize
{
    private const int Sector = 512;

    [GeneratedRegex(@"^\s*(?:RW|RDONLY|NOACCESS)\s+(\d+)\s+\w+", RegexOptions.Multiline)]
    private static partial Regex Extent();

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

    /// <summary>Sums the extents of a text descriptor (<c>RW 83886080 VMFS "x-flat.vmdk"</c>).</summary>
    public static bool TryReadDescriptor(string text, out long bytes)
    {
        bytes = 0;
        if (!text.Contains("# Disk DescriptorFile", StringComparison.Ordinal) && !text.Contains("createType", StringComparison.Ordinal))
            return false;
        var any = false;
        foreach (Match m in Extent().Matches(text))
        {
            if (!long.TryParse(m.Groups[1].Value, out var sectors) || sectors > long.MaxValue / Sector) return false;
            try
            {
                bytes = checked(bytes + sectors * Sector);
            }
            catch (OverflowException)
            {
                return false;
            }
            any = true;
        }
        return any;
    }
}

using System.Globalization;
using System.Text;

namespace ActorMigration.Drivers.Storage;

/// <summary>One entry of a tar archive: where its data lies in the archive.</summary>
public sealed record TarMember(string Name, char Type, long DataOffset, long Length)
{
    public bool IsFile => Type is '0' or '\0' or '7';
}

/// <summary>
/// Lists the entries of a tar archive (ustar, GNU, PAX) on a seekable stream by reading headers only: entry data
/// is never read (the stream seeks past it), and the metadata records (PAX headers, GNU long names) are bounded.
/// System.Formats.Tar reads a PAX header of any size into memory, so a crafted archive could make it allocate and
/// parse gigabytes; this reader refuses such an archive after one header.
/// </summary>
public static class TarIndex
{
    public const int Block = 512;

    /// <summary>Largest PAX extended header or GNU long name record read.</summary>
    public const int MaxMetaRecordBytes = 64 << 10;

    /// <summary>Most entries listed; an archive with more is refused.</summary>
    public const int MaxEntries = 4096;

    /// <summary>The entries in archive order. <paramref name="what"/> names the archive in errors (a volid, not a path).</summary>
    /// <exception cref="InvalidDataException">Not a tar archive, a corrupt or truncated header, or over a limit.</exception>
    public static IEnumerable<TarMember> Entries(Stream archive, string what)
    {
        if (!archive.CanSeek) throw new ArgumentException("a seekable stream is needed", nameof(archive));
        var header = new byte[Block];
        var position = 0L;
        string? longName = null, paxPath = null;
        long? paxSize = null;
        for (var count = 0; ; count++)
        {
            archive.Position = position;
            var n = archive.ReadAtLeast(header, Block, throwOnEndOfStream: false);
            if (n == 0 || header.All(b => b == 0)) yield break;  // end of archive (tolerates missing end blocks)
            if (count >= MaxEntries) throw Bad(what, $"more than {MaxEntries} entries");
            if (n < Block) throw Bad(what, $"truncated header at offset {position}");
            if (!ChecksumOk(header)) throw Bad(what, $"not a tar archive (bad header checksum at offset {position})");
            var type = (char)header[156];
            var isMeta = type is 'x' or 'g' or 'L' or 'K';
            var size = isMeta || paxSize is null ? Number(header.AsSpan(124, 12), what, position) : paxSize.Value;
            var data = position + Block;
            if (size < 0 || data > archive.Length - size) throw Bad(what, $"entry at offset {position} is truncated");
            position = data + (size + Block - 1) / Block * Block;
            switch (type)
            {
                case 'x':
                    (paxPath, paxSize) = ParsePax(Record(archive, data, size, what), what);
                    continue;
                case 'L':
                    longName = Encoding.UTF8.GetString(Record(archive, data, size, what)).TrimEnd('\0');
                    continue;
                case 'g' or 'K':
                    continue;
            }
            var name = paxPath ?? longName ?? UstarName(header);
            paxPath = longName = null;
            paxSize = null;
            yield return new TarMember(name, type, data, size);
        }
    }

    /// <summary>The first regular file whose name (without a leading <c>./</c>) <paramref name="match"/> accepts, or null.</summary>
    public static TarMember? Find(Stream archive, string what, Func<string, bool> match) =>
        Entries(archive, what).FirstOrDefault(e => e.IsFile && match(e.Name.StartsWith("./", StringComparison.Ordinal) ? e.Name[2..] : e.Name));

    /// <summary>Copies an entry's data to <paramref name="destination"/>, streamed.</summary>
    public static async Task CopyAsync(Stream archive, TarMember member, Stream destination, CancellationToken ct)
    {
        archive.Position = member.DataOffset;
        var buf = new byte[1 << 20];
        for (var left = member.Length; left > 0;)
        {
            var n = await archive.ReadAsync(buf.AsMemory(0, (int)Math.Min(buf.Length, left)), ct);
            if (n == 0) throw new EndOfStreamException("archive ended inside an entry");
            await destination.WriteAsync(buf.AsMemory(0, n), ct);
            left -= n;
        }
    }

    private static byte[] Record(Stream archive, long offset, long size, string what)
    {
        if (size > MaxMetaRecordBytes) throw Bad(what, $"an extended header of {size} bytes (at most {MaxMetaRecordBytes})");
        var buf = new byte[size];
        archive.Position = offset;
        archive.ReadExactly(buf);
        return buf;
    }

    /// <summary>PAX records "len key=value\n"; only path and size matter here.</summary>
    private static (string? Path, long? Size) ParsePax(byte[] data, string what)
    {
        string? path = null;
        long? size = null;
        for (var pos = 0; pos < data.Length && data[pos] != 0;)
        {
            var space = Array.IndexOf(data, (byte)' ', pos);
            if (space < 0 || !int.TryParse(data.AsSpan(pos, space - pos), NumberStyles.None, CultureInfo.InvariantCulture, out var len)
                || len <= space - pos || pos + len > data.Length || data[pos + len - 1] != '\n')
                throw Bad(what, "a malformed PAX header");
            var record = Encoding.UTF8.GetString(data, space + 1, pos + len - space - 2);
            var eq = record.IndexOf('=');
            if (eq > 0)
            {
                var (key, value) = (record[..eq], record[(eq + 1)..]);
                if (key == "path") path = value;
                else if (key == "size")
                    size = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : throw Bad(what, "a malformed PAX size");
            }
            pos += len;
        }
        return (path, size);
    }

    private static string UstarName(byte[] h)
    {
        var name = Text(h.AsSpan(0, 100));
        // POSIX ustar ("ustar\0") keeps a prefix; GNU ("ustar  ") uses that space for other fields.
        var prefix = h.AsSpan(257, 6).SequenceEqual("ustar\0"u8) ? Text(h.AsSpan(345, 155)) : "";
        return prefix.Length > 0 ? prefix + "/" + name : name;
    }

    private static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>Octal digits (space or NUL padded), or GNU base-256 when the high bit of the first byte is set.</summary>
    private static long Number(ReadOnlySpan<byte> field, string what, long at)
    {
        long v = 0;
        if ((field[0] & 0x80) != 0)
        {
            if ((field[0] & 0x40) != 0) throw Bad(what, $"negative size at offset {at}");
            v = field[0] & 0x3f;
            foreach (var b in field[1..])
            {
                if (v > (long.MaxValue >> 8)) throw Bad(what, $"size out of range at offset {at}");
                v = (v << 8) | b;
            }
            return v;
        }
        var digits = field.Trim((byte)' ').Trim((byte)0).Trim((byte)' ');
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'7' || v > (long.MaxValue >> 3)) throw Bad(what, $"bad number field at offset {at}");
            v = (v << 3) | (long)(b - '0');
        }
        return v;
    }

    private static bool ChecksumOk(byte[] h)
    {
        long stored;
        try
        {
            stored = Number(h.AsSpan(148, 8), "", 0);
        }
        catch (InvalidDataException)
        {
            return false;
        }
        long unsigned = 0, signed = 0;
        for (var i = 0; i < Block; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : h[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        return stored == unsigned || stored == signed;
    }

    private static InvalidDataException Bad(string what, string why) => new($"'{what}' is not a readable tar archive: {why}");
}

using System.Text;

namespace ActorMigration.TestSupport;

/// <summary>
/// Writes tar archives byte by byte for tests, hostile ones included: entries whose data is a hole (sparse, never
/// written), PAX headers of any size, any type flag. Also used by the QEMU driver tests (linked source).
/// </summary>
public sealed class TarBuilder(Stream stream) : IDisposable
{
    private const int Block = 512;

    public static TarBuilder Create(string path) => new(new FileStream(path, FileMode.Create, FileAccess.ReadWrite));

    public TarBuilder Text(string name, string text, char type = '0') => Bytes(name, Encoding.UTF8.GetBytes(text), type);

    public TarBuilder Bytes(string name, byte[] data, char type = '0')
    {
        Header(name, data.Length, type);
        stream.Write(data);
        Pad(data.Length);
        return this;
    }

    /// <summary>An entry of <paramref name="size"/> bytes left as a hole: costs no disk and no time to write.</summary>
    public TarBuilder Sparse(string name, long size, char type = '0')
    {
        Header(name, size, type);
        stream.Seek(size, SeekOrigin.Current);
        Pad(size);
        return this;
    }

    public void Dispose()
    {
        stream.Write(new byte[Block * 2]);
        stream.SetLength(stream.Position);
        stream.Dispose();
    }

    /// <summary>A ustar header; sizes above the octal field's range use GNU base-256.</summary>
    public TarBuilder Header(string name, long size, char type)
    {
        var h = new byte[Block];
        Encoding.UTF8.GetBytes(name).AsSpan(0, Math.Min(100, Encoding.UTF8.GetByteCount(name))).CopyTo(h);
        Put(h, 100, "0000644");
        Put(h, 108, "0000000");
        Put(h, 116, "0000000");
        if (size <= 077777777777L) Put(h, 124, Convert.ToString(size, 8).PadLeft(11, '0'));
        else
        {
            h[124] = 0x80;
            for (var i = 0; i < 8; i++) h[135 - i] = (byte)(size >> (8 * i));
        }
        Put(h, 136, "00000000000");
        h[156] = (byte)type;
        Put(h, 257, "ustar");
        Put(h, 263, "00");
        for (var i = 148; i < 156; i++) h[i] = (byte)' ';
        Put(h, 148, Convert.ToString(h.Sum(b => b), 8).PadLeft(6, '0'));
        h[154] = 0;
        stream.Write(h);
        return this;
    }

    private void Pad(long size)
    {
        var rest = (int)(size % Block);
        if (rest != 0) stream.Write(new byte[Block - rest]);
    }

    private static void Put(byte[] h, int offset, string s) => Encoding.ASCII.GetBytes(s).CopyTo(h, offset);
}

using System.Formats.Tar;
using System.Globalization;
using System.Text;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Writes ustar archives whose large entries are holes (the data is never written, so the archive is a sparse
/// file); sizes over 8 GiB get a PAX header. Readable by tar(1) and <see cref="TarReader"/>.
/// </summary>
internal sealed class SimTar(Stream stream) : IDisposable
{
    private const int Block = 512;

    public void AddText(string name, string text)
    {
        var data = Encoding.UTF8.GetBytes(text);
        WriteHeader(name, data.Length, '0');
        stream.Write(data);
        Pad(data.Length);
    }

    /// <summary>An entry of <paramref name="size"/> zero bytes, left as a hole.</summary>
    public void AddSparse(string name, long size)
    {
        WriteHeader(name, size, '0');
        stream.Seek(size, SeekOrigin.Current);
        Pad(size);
    }

    public void Dispose()
    {
        stream.Write(new byte[Block * 2]);
        stream.SetLength(stream.Position);
        stream.Flush();
    }

    private void WriteHeader(string name, long size, char type)
    {
        if (Encoding.UTF8.GetByteCount(name) > 99) throw new ArgumentException($"tar entry name too long: {name}");
        if (size > 077777777777L)
        {
            // PAX extended header carrying the real size
            var body = PaxRecord("size", size.ToString(CultureInfo.InvariantCulture));
            var data = Encoding.UTF8.GetBytes(body);
            WriteHeader($"PaxHeaders/{name}"[..Math.Min(99, 11 + name.Length)], data.Length, 'x');
            stream.Write(data);
            Pad(data.Length);
            size = 0;
        }
        var h = new byte[Block];
        Put(h, 0, name);
        Put(h, 100, "0000644");
        Put(h, 108, "0000000");
        Put(h, 116, "0000000");
        Put(h, 124, Convert.ToString(size, 8).PadLeft(11, '0'));
        Put(h, 136, Convert.ToString(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 8).PadLeft(11, '0'));
        h[156] = (byte)type;
        Put(h, 257, "ustar");
        Put(h, 263, "00");
        Put(h, 265, "root");
        Put(h, 297, "root");
        for (var i = 148; i < 156; i++) h[i] = (byte)' ';
        var sum = h.Sum(b => b);
        Put(h, 148, Convert.ToString(sum, 8).PadLeft(6, '0'));
        h[155] = (byte)' ';
        stream.Write(h);
    }

    private static string PaxRecord(string key, string value)
    {
        var payload = $" {key}={value}\n";
        var len = payload.Length + 1;
        while ((len.ToString(CultureInfo.InvariantCulture) + payload).Length != len) len++;
        return len.ToString(CultureInfo.InvariantCulture) + payload;
    }

    private void Pad(long size)
    {
        var rest = (int)(size % Block);
        if (rest == 0) return;
        stream.Write(new byte[Block - rest]);
    }

    private static void Put(byte[] h, int offset, string s) => Encoding.ASCII.GetBytes(s).CopyTo(h, offset);
}

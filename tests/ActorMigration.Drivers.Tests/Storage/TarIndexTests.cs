using System.Formats.Tar;
using System.Text;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Tests.Storage;

public sealed class TarIndexTests : IDisposable
{
    private const long HugeSparse = 1536L << 20;  // 1.5 GiB, a hole on disk
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tarindex-tests", Guid.NewGuid().ToString("N"));

    public TarIndexTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private string NewPath() => Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".tar");

    private static List<TarMember> List(string path)
    {
        using var fs = File.OpenRead(path);
        return TarIndex.Entries(fs, "local:backup/x.tar").ToList();
    }

    private static string DataOf(string path, TarMember m)
    {
        using var fs = File.OpenRead(path);
        return StorageFiles.ReadText(fs, m.DataOffset, m.Length, m.Name, 1 << 20);
    }

    [Theory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Ustar)]
    public void Lists_what_System_Formats_Tar_writes_with_data_offsets(TarEntryFormat format)
    {
        var path = NewPath();
        var longName = format == TarEntryFormat.Ustar ? "dir/" + new string('d', 120) + "/f.txt" : new string('n', 150) + ".ovf";
        using (var fs = File.Create(path))
        using (var w = new TarWriter(fs, format))
        {
            foreach (var (name, text) in new[] { ("a.ovf", "<Envelope/>"), (longName, "long"), ("empty", "") })
            {
                TarEntry e = format switch
                {
                    TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
                    TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
                    _ => new UstarTarEntry(TarEntryType.RegularFile, name),
                };
                e.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text));
                w.WriteEntry(e);
            }
            w.WriteEntry(format switch
            {
                TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.Directory, "sub/"),
                TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.Directory, "sub/"),
                _ => new UstarTarEntry(TarEntryType.Directory, "sub/"),
            });
        }
        var entries = List(path);
        Assert.Equal(["a.ovf", longName, "empty", "sub/"], entries.Select(e => e.Name));
        Assert.Equal([true, true, true, false], entries.Select(e => e.IsFile));
        Assert.Equal("<Envelope/>", DataOf(path, entries[0]));
        Assert.Equal("long", DataOf(path, entries[1]));
        Assert.Equal("", DataOf(path, entries[2]));
    }

    [Fact]
    public void A_huge_entry_is_skipped_without_reading_it()
    {
        var path = NewPath();
        using (var t = TarBuilder.Create(path)) t.Sparse("junk.bin", HugeSparse).Text("qemu-server.conf", "memory: 512\n");
        var entries = List(path);
        Assert.Equal((HugeSparse, "qemu-server.conf"), (entries[0].Length, entries[1].Name));
        Assert.Equal("memory: 512\n", DataOf(path, entries[1]));
    }

    [Fact]
    public void Base_256_sizes_are_read()
    {
        var path = NewPath();
        using (var t = TarBuilder.Create(path)) t.Sparse("big.raw", 9L << 30).Text("after", "x");
        var entries = List(path);
        Assert.Equal(9L << 30, entries[0].Length);
        Assert.Equal("x", DataOf(path, entries[1]));
    }

    /// <summary>A PAX record of exactly <paramref name="total"/> bytes: "len comment=xxx\n".</summary>
    private static byte[] PaxRecord(int total)
    {
        var digits = total.ToString().Length;
        var body = $" comment={new string('x', total - digits - " comment=".Length - 1)}\n";
        return Encoding.ASCII.GetBytes(total + body);
    }

    [Fact]
    public void A_PAX_header_up_to_the_limit_is_read_and_one_byte_more_is_refused()
    {
        var ok = NewPath();
        using (var t = TarBuilder.Create(ok)) t.Bytes("PaxHeaders/a", PaxRecord(TarIndex.MaxMetaRecordBytes), 'x').Text("a", "data");
        Assert.Equal("a", Assert.Single(List(ok)).Name);

        var over = NewPath();
        using (var t = TarBuilder.Create(over)) t.Bytes("PaxHeaders/a", PaxRecord(TarIndex.MaxMetaRecordBytes + 1), 'x').Text("a", "data");
        var e = Assert.Throws<InvalidDataException>(() => List(over));
        Assert.Contains("extended header of 65537 bytes", e.Message);
        Assert.Contains("local:backup/x.tar", e.Message);
    }

    [Fact]
    public void A_huge_sparse_PAX_header_is_refused_without_reading_it()
    {
        // System.Formats.Tar reads such a header whole into memory (1.5 GB, seconds of CPU).
        var path = NewPath();
        using (var t = TarBuilder.Create(path)) t.Sparse("PaxHeaders/a", HugeSparse, 'x').Text("a", "data");
        Assert.Contains("extended header", Assert.Throws<InvalidDataException>(() => List(path)).Message);
    }

    [Fact]
    public void A_PAX_path_and_size_apply_to_the_next_entry()
    {
        var path = NewPath();
        using (var t = TarBuilder.Create(path))
        {
            var records = Encoding.ASCII.GetBytes("22 path=real-name.ovf\n");
            t.Bytes("PaxHeaders/x", records, 'x').Text("short", "content");
        }
        var e = Assert.Single(List(path));
        Assert.Equal("real-name.ovf", e.Name);
        Assert.Equal("content", DataOf(path, e));
    }

    [Fact]
    public void Up_to_the_entry_limit_is_listed_and_one_more_is_refused()
    {
        var ok = NewPath();
        using (var t = TarBuilder.Create(ok))
            for (var i = 0; i < TarIndex.MaxEntries; i++) t.Text($"f{i}", "");
        Assert.Equal(TarIndex.MaxEntries, List(ok).Count);

        var over = NewPath();
        using (var t = TarBuilder.Create(over))
            for (var i = 0; i <= TarIndex.MaxEntries; i++) t.Text($"f{i}", "");
        Assert.Contains($"more than {TarIndex.MaxEntries} entries", Assert.Throws<InvalidDataException>(() => List(over)).Message);
    }

    [Fact]
    public void Garbage_and_truncated_archives_are_refused()
    {
        var garbage = NewPath();
        File.WriteAllBytes(garbage, Enumerable.Range(0, 2048).Select(i => (byte)(i % 251 + 1)).ToArray());
        Assert.Contains("bad header checksum", Assert.Throws<InvalidDataException>(() => List(garbage)).Message);

        var truncated = NewPath();
        using (var t = TarBuilder.Create(truncated)) t.Header("big", 1 << 20, '0');  // no data follows
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => List(truncated)).Message);
    }
}

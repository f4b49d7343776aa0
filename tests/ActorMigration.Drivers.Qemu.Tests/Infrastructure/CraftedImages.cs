using System.Runtime.InteropServices;
using System.Text;
using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>Hostile images for the untrusted-image tests: built with the real qemu-img, VMDK descriptors written by hand.</summary>
public static class CraftedImages
{
    /// <summary>What a secret file outside the storage holds, repeated: its bytes must never appear in a disk.</summary>
    public static readonly byte[] Marker = Encoding.ASCII.GetBytes("SECRET-OUTSIDE-THE-STORAGE-0123456789;");

    /// <summary>A 1 MiB file of <see cref="Marker"/>s at <c>&lt;dir&gt;/secret.bin</c>.</summary>
    public static string Secret(string dir)
    {
        var path = Path.Combine(dir, "secret.bin");
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        while (fs.Length < 1 << 20) fs.Write(Marker);
        fs.SetLength(1 << 20);
        return path;
    }

    private static async Task QemuImgAsync(params string[] args)
    {
        var r = await ProcessRunner.RunAsync("qemu-img", args, TimeSpan.FromMinutes(1));
        Assert.True(r.ExitCode == 0, r.ErrorText);
    }

    /// <summary>
    /// A qcow2 of 1 MiB whose backing file is <paramref name="backing"/> (raw), written without opening it (-u); the
    /// file is padded with zeroes to 256 KiB, so that read as raw its size is the file's length.
    /// </summary>
    public static async Task Qcow2WithBackingAsync(string path, string backing)
    {
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-u", "-F", "raw", "-b", backing, path, "1M");
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.SetLength(256 << 10);
    }

    /// <summary>A qcow2 whose guest data lives raw in the external <paramref name="dataFile"/>, then filled with secrets.</summary>
    public static async Task Qcow2WithDataFileAsync(string path, string dataFile)
    {
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", $"data_file={dataFile},data_file_raw=on", path, "1M");
        File.Copy(Secret(Path.GetDirectoryName(dataFile)!), dataFile, overwrite: true);
    }

    /// <summary>A monolithicFlat descriptor with one FLAT extent named <paramref name="extent"/> as written.</summary>
    public static void VmdkDescriptor(string path, string extent, long sectors = 2048) =>
        File.WriteAllText(path,
            "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n" +
            $"# Extent description\nRW {sectors} FLAT \"{extent}\" 0\n# The Disk Data Base\nddb.virtualHWVersion = \"4\"\n");

    /// <summary>Whether any file under <paramref name="dir"/> holds <see cref="Marker"/>.</summary>
    public static bool AnyFileHoldsSecret(string dir) =>
        Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).LinkTarget is null)
            .Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(Marker) >= 0);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    /// <summary>
    /// A FIFO at the given path with a writer waiting on it: <see cref="Opened"/> tells whether anything
    /// opened it to read (a reference followed). Disposing releases the writer.
    /// </summary>
    public sealed class Sentinel : IDisposable
    {
        private readonly string _path;
        private readonly Task _writer;
        private volatile bool _opened;

        public Sentinel(string path)
        {
            _path = path;
            Assert.Equal(0, mkfifo(path, Convert.ToUInt32("644", 8)));
            _writer = Task.Run(() =>
            {
                try
                {
                    using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
                    _opened = true;
                    fs.Write(Marker);
                }
                catch (IOException)
                {
                    // The reader went away (Dispose's own open, or whoever opened it): a broken pipe.
                }
            });
        }

        public bool Opened => _opened;

        public void Dispose()
        {
            if (!_opened) using (new FileStream(_path, FileMode.Open, FileAccess.Read)) { }
            _writer.Wait(TimeSpan.FromSeconds(10));
        }
    }
}

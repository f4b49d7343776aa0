using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.Tests.Infrastructure;

/// <summary>Test data on disk and qemu-img compare.</summary>
public static class Images
{
    /// <summary>A raw file with a seeded pattern in some blocks (the rest stays sparse/zero).</summary>
    public static void WritePatternRaw(string path, long size, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var rnd = new Random(seed);
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        fs.SetLength(size);
        var block = new byte[64 * 1024];
        for (long off = 0; off < size; off += 1024 * 1024)
        {
            rnd.NextBytes(block);
            fs.Position = off;
            fs.Write(block, 0, (int)Math.Min(block.Length, size - off));
        }
    }

    /// <summary>
    /// qemu-img compare (-U: images may be held by a running VM); the formats are probed unless given. Exit 0 = identical.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> CompareAsync(string a, string b, string? formatA = null, string? formatB = null)
    {
        var formats = formatA is null || formatB is null ? [] : new[] { "-f", formatA, "-F", formatB };
        var r = await ProcessRunner.RunAsync("qemu-img", ["compare", "-U", .. formats, a, b], TimeSpan.FromMinutes(2));
        return (r.ExitCode, (r.StdOut + r.StdErr).Trim());
    }
}

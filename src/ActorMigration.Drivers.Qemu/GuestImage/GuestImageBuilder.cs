using ActorMigration.Drivers.Qemu.Util;

namespace ActorMigration.Drivers.Qemu.GuestImage;

/// <summary>Finds or builds the test guest image (kernel + busybox initramfs) with scripts/build-guest-image.sh.</summary>
public static class GuestImageBuilder
{
    public const string DefaultCmdline = "console=ttyS0 quiet";
    public const string ScriptRelativePath = "scripts/build-guest-image.sh";

    /// <summary>The repository root: the first parent of <paramref name="start"/> holding the build script.</summary>
    public static string? FindRepoRoot(string? start = null)
    {
        var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, ScriptRelativePath))) return dir.FullName;
            dir = dir.Parent;
        }
        return null;
    }

    /// <summary>True when the directory holds a kernel and an initramfs.</summary>
    public static bool IsBuilt(string dir) =>
        File.Exists(Path.Combine(dir, "vmlinuz")) && File.Exists(Path.Combine(dir, "initramfs.cpio.gz"));

    /// <summary>Runs the build script (cached by the script itself) and returns the image directory.</summary>
    public static async Task<string> EnsureBuiltAsync(string? outDir = null, string? repoRoot = null, CancellationToken ct = default)
    {
        repoRoot ??= FindRepoRoot() ?? throw new FileNotFoundException($"{ScriptRelativePath} not found above {AppContext.BaseDirectory}");
        outDir ??= Path.Combine(repoRoot, ".build", "guest");
        var script = Path.Combine(repoRoot, ScriptRelativePath);
        var r = await ProcessRunner.RunAsync("bash", [script, outDir], TimeSpan.FromMinutes(10), ct: ct);
        if (r.ExitCode != 0 || !IsBuilt(outDir))
            throw new InvalidOperationException($"guest image build failed ({r.ExitCode}): {r.StdErr.Trim()}");
        return outDir;
    }
}

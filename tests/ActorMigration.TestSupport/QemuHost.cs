using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ActorMigration.TestSupport;

/// <summary>
/// What really is on the host under a member's data directory with the QEMU driver: volume files (read with
/// qemu-img, not through our API) and QEMU processes. The guests' serial consoles: <see cref="GuestConsole"/>.
/// </summary>
public static class QemuHost
{
    // ---- volumes ----------------------------------------------------------------------

    /// <summary>
    /// The file behind a Proxmox dir-storage volid: local:100/vm-100-disk-0.qcow2, the linked form
    /// local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2, local:import/x, shared:backup/x.
    /// </summary>
    public static string PathOf(string dataDir, string node, string volid)
    {
        var colon = volid.IndexOf(':');
        var storage = volid[..colon];
        var name = volid[(colon + 1)..];
        var root = storage switch
        {
            "local" => Path.Combine(dataDir, "nodes", node, "local"),
            "shared" => Path.Combine(dataDir, "shared"),
            _ => throw new ArgumentException($"unknown storage in '{volid}'")
        };
        if (name.StartsWith("import/")) return Path.Combine(root, "import", name["import/".Length..]);
        if (name.StartsWith("backup/")) return Path.Combine(root, "dump", name["backup/".Length..]);
        var parts = name.Split('/');
        return parts.Length == 4
            ? Path.Combine(root, "images", parts[2], parts[3])
            : Path.Combine(root, "images", parts[0], parts[1]);
    }

    /// <summary>Every image file under all storages of the member (relative to the data dir).</summary>
    public static IReadOnlyList<string> ImageFiles(string dataDir) =>
        Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dataDir, f))
            .Where(f => f.Contains("/images/") || f.StartsWith("shared/images/"))
            .Order().ToList();

    public static IReadOnlyList<string> ImageFilesOf(string dataDir, int vmid) =>
        ImageFiles(dataDir).Where(f => f.Contains($"/images/{vmid}/")).ToList();

    public static async Task<(int Exit, string Out, string Err)> Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await o, await e);
    }

    public static async Task<string> Img(params string[] args)
    {
        var (exit, o, e) = await Run("qemu-img", args);
        if (exit != 0) throw new InvalidOperationException($"qemu-img {string.Join(' ', args)}: exit {exit}: {e}{o}");
        return o;
    }

    /// <summary>qemu-img info --output=json -U.</summary>
    public static async Task<JsonNode> Info(string path) => JsonNode.Parse(await Img("info", "--output=json", "-U", path))!;

    /// <summary>qemu-img compare -U: true when the guest-visible content is identical.</summary>
    public static async Task<bool> SameContent(string a, string b)
    {
        var (exit, o, e) = await Run("qemu-img", "compare", "-U", a, b);
        if (exit > 1) throw new InvalidOperationException($"qemu-img compare {a} {b}: {e}{o}");
        return exit == 0;
    }

    /// <summary>Writes a byte pattern into an image (qemu-io), as a guest would.</summary>
    public static async Task WritePattern(string path, string format, long offset, int length, byte pattern)
    {
        var (exit, o, e) = await Run("qemu-io", "-f", format, "-c", $"write -P 0x{pattern:x2} {offset} {length}", path);
        if (exit != 0 || o.Contains("failed")) throw new InvalidOperationException($"qemu-io write on {path}: {e}{o}");
    }

    /// <summary>True when the range holds the pattern (qemu-io read -P).</summary>
    public static async Task<bool> HasPattern(string path, string format, long offset, int length, byte pattern)
    {
        var (exit, o, e) = await Run("qemu-io", "-r", "-U", "-f", format, "-c", $"read -P 0x{pattern:x2} {offset} {length}", path);
        if (exit != 0) throw new InvalidOperationException($"qemu-io read on {path}: {e}{o}");
        return !o.Contains("Pattern verification failed");
    }

    /// <summary>Overwrites the first <paramref name="bytes"/> of a raw image with random data (no holes).</summary>
    public static void FillRandom(string rawPath, long bytes)
    {
        using var fs = new FileStream(rawPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 20);
        var buf = new byte[4 << 20];
        for (long done = 0; done < bytes; done += buf.Length)
        {
            Random.Shared.NextBytes(buf);
            fs.Write(buf, 0, (int)Math.Min(buf.Length, bytes - done));
        }
        fs.Flush(flushToDisk: true);
    }

    // ---- processes --------------------------------------------------------------------

    /// <summary>Pids of live processes whose command line mentions <paramref name="root"/> (optionally of one program).</summary>
    public static IReadOnlyList<int> Processes(string root, string? program = null) => ProcessScan.Find(root, program);

    /// <summary>The QEMU command line of a VM of this member (null when none runs).</summary>
    public static string? QemuCommandLine(string dataDir, string node, int vmid)
    {
        var marker = Path.Combine(dataDir, "run", node, "qemu", vmid.ToString(), "qemu.pid");
        foreach (var pid in Processes(marker, "qemu-system"))
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            }
            catch (IOException)
            {
            }
        }
        return null;
    }

    /// <summary>SIGKILLs every process (QEMU, qemu-nbd, qemu-img) that mentions <paramref name="root"/>.</summary>
    public static Task KillAll(string root) => ProcessScan.KillAllAsync(root);
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Drivers.Qemu.GuestImage;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Copies;

/// <summary>
/// What really is on the host under a member's data directory with the QEMU driver: volume files (read with
/// qemu-img, not through our API), QEMU processes, the guests' serial consoles.
/// </summary>
public static class QemuHost
{
    private static readonly SemaphoreSlim GuestGate = new(1, 1);
    private static string? _guestDir;

    /// <summary>The member environment for the real QEMU driver (the guest image is built once).</summary>
    public static async Task<Dictionary<string, string?>> EnvAsync()
    {
        await GuestGate.WaitAsync();
        try
        {
            _guestDir ??= await GuestImageBuilder.EnsureBuiltAsync(Path.Combine(Repo.Root, ".build", "guest"), Repo.Root);
        }
        finally
        {
            GuestGate.Release();
        }
        return new Dictionary<string, string?>
        {
            ["AM_DRIVER"] = "qemu",
            ["AM_GUEST_DIR"] = _guestDir,
            ["AM_POLL_MS"] = "100",
        };
    }

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

    // ---- guest serial console -----------------------------------------------------------

    private static readonly Regex Heartbeat = new(@"^heartbeat (\d+)$", RegexOptions.Compiled);

    private static string VmRun(string dataDir, string node, int vmid) => Path.Combine(dataDir, "run", node, "qemu", vmid.ToString());

    public static string SerialLog(string dataDir, string node, int vmid)
    {
        try
        {
            using var fs = new FileStream(Path.Combine(VmRun(dataDir, node, vmid), "serial.log"), FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(fs, Encoding.UTF8).ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }

    public static IReadOnlyList<string> Lines(string log) =>
        log.Replace("\r", "").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();

    public static int LastHeartbeat(string log) =>
        Lines(log).Select(l => Heartbeat.Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).DefaultIfEmpty(-1).Last();

    public static async Task<string> WaitForSerial(string dataDir, string node, int vmid, Func<string, bool> done, string what,
        TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var log = SerialLog(dataDir, node, vmid);
            if (done(log)) return log;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not seen on {node}/{vmid}. Serial tail:\n{string.Join('\n', Lines(log).TakeLast(20))}");
            await Task.Delay(200);
        }
    }

    /// <summary>Runs a shell command in the test guest through its serial console; returns what it printed.</summary>
    public static async Task<IReadOnlyList<string>> GuestRun(string dataDir, string node, int vmid, string command)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var (start, end) = ($"cmd-start-{id}", $"cmd-end-{id}");
        for (var attempt = 0; ; attempt++)
        {
            using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await s.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(VmRun(dataDir, node, vmid), "serial.sock")));
                var bytes = Encoding.UTF8.GetBytes($"echo {start}; {command}; echo {end}\n");
                await s.SendAsync(bytes, SocketFlags.None);
                // The UART takes 16 bytes at a time; give QEMU time to consume before hanging up.
                await Task.Delay(300 + bytes.Length * 5);
            }
            try
            {
                var log = await WaitForSerial(dataDir, node, vmid, l => Lines(l).Contains(end), $"end of '{command}'", TimeSpan.FromSeconds(30));
                var lines = Lines(log).ToList();
                var from = lines.LastIndexOf(start);
                var to = lines.LastIndexOf(end);
                return lines.Skip(from + 1).Take(to - from - 1).Where(l => !Heartbeat.IsMatch(l)).ToList();
            }
            catch (TimeoutException) when (attempt < 2)
            {
                // A line typed while the console was busy can get lost; type it again.
            }
        }
    }
}

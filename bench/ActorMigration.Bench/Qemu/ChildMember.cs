using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using ActorMigration.Drivers.Qemu.GuestImage;

namespace ActorMigration.Bench.Qemu;

/// <summary>
/// The member as it is deployed: <c>dotnet actormigration.dll</c> in its own process, driven through the Proxmox API.
/// </summary>
public sealed class ChildMember : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly string _auth;

    public string DataDir { get; }

    /// <summary>CPU seconds (user + system) the member process has used so far, from /proc/&lt;pid&gt;/stat.</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(f[11]) + long.Parse(f[12])) / 100.0; // utime, stime in clock ticks (USER_HZ = 100)
    }

    private ChildMember(Process process, HttpClient http, string token, string dataDir)
    {
        _process = process;
        _http = http;
        _auth = $"PVEAPIToken={token}";
        DataDir = dataDir;
    }

    /// <summary>The repository root and the build configuration this bench runs in (Release/Debug).</summary>
    public static (string Root, string Config) Layout()
    {
        var root = GuestImageBuilder.FindRepoRoot() ?? throw new InvalidOperationException("repository root not found");
        var config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        return (root, config);
    }

    /// <summary>Builds the API host (incremental) so the child runs the current code.</summary>
    public static async Task<string> BuildAsync(TextWriter log)
    {
        var (root, config) = Layout();
        log.WriteLine($"building src/ActorMigration.Api ({config}) ...");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "build", "src/ActorMigration.Api", "-c", config, "-nologo", "-clp:ErrorsOnly" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"build failed:\n{await output}{await error}");
        return Path.Combine(root, "src", "ActorMigration.Api", "bin", config, "net10.0", "actormigration.dll");
    }

    public static async Task<ChildMember> StartAsync(string dll, string dataDir, IDictionary<string, string> env)
    {
        var httpPort = FreePort();
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.Environment["AM_DATA_DIR"] = dataDir;
        psi.Environment["AM_HTTP_PORT"] = httpPort.ToString();
        psi.Environment["AM_API_PORT"] = FreePort().ToString();
        psi.Environment["AM_AUTH_FAIL_DELAY_MS"] = "0";
        foreach (var (k, v) in env) psi.Environment[k] = v;
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec dotnet \"{dll}\" > \"{Path.Combine(dataDir, "member.out")}\" 2>&1");
        var process = Process.Start(psi)!;
        var tokenFile = Path.Combine(dataDir, "admin.token");
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"member exited: {File.ReadAllText(Path.Combine(dataDir, "member.out"))}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("member did not come up");
            if (File.Exists(tokenFile))
            {
                var m = new ChildMember(process, http, File.ReadAllText(tokenFile).Trim(), dataDir);
                try
                {
                    var nodes = await m.GetAsync("/nodes");
                    if (nodes.AsArray().Count(n => n?["status"]?.GetValue<string>() == "online") == 3) return m;
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
                {
                }
            }
            await Task.Delay(200);
        }
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api2/json" + path);
        req.Headers.TryAddWithoutValidation("Authorization", _auth);
        using var r = await _http.SendAsync(req);
        var body = await r.Content.ReadAsStringAsync();
        if (r.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {path}: {(int)r.StatusCode} {r.ReasonPhrase} {body}");
        return JsonNode.Parse(body)!["data"]!;
    }

    public async Task<string> PostAsync(string path, params (string, string)[] form)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api2/json" + path)
        {
            Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)))
        };
        req.Headers.TryAddWithoutValidation("Authorization", _auth);
        using var r = await _http.SendAsync(req);
        var body = await r.Content.ReadAsStringAsync();
        if (r.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"POST {path}: {(int)r.StatusCode} {r.ReasonPhrase} {body}");
        return JsonNode.Parse(body)!["data"]!.GetValue<string>();
    }

    /// <summary>Polls the task status every <paramref name="pollMs"/> until it stopped; returns the exit status.</summary>
    public async Task<string> WaitTaskAsync(string upid, int pollMs, TimeSpan timeout)
    {
        var node = upid.Split(':')[1];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var s = await GetAsync($"/nodes/{node}/tasks/{Uri.EscapeDataString(upid)}/status");
            if (s["status"]?.GetValue<string>() == "stopped") return s["exitstatus"]!.GetValue<string>();
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"task {upid} still running after {timeout}");
            await Task.Delay(pollMs);
        }
    }

    public async Task<IReadOnlyList<string>> TaskLogAsync(string upid)
    {
        var node = upid.Split(':')[1];
        var log = await GetAsync($"/nodes/{node}/tasks/{Uri.EscapeDataString(upid)}/log?limit=0");
        return log.AsArray().Select(l => l!["t"]!.GetValue<string>()).ToList();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            SysKill(_process.Id, 15);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }
        _http.Dispose();
    }

    private static readonly Drivers.Abstractions.PortAllocator Ports =
        Drivers.Abstractions.PortAllocator.BelowEphemeralRange();

    /// <summary>A port for a child member to listen on; never one the kernel hands to outgoing connections.</summary>
    public static int FreePort() => Ports.Acquire();
}

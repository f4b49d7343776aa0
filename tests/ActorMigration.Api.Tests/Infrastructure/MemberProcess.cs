using System.Diagnostics;

namespace ActorMigration.Api.Tests.Infrastructure;

/// <summary>The member as a real child process (dotnet actormigration.dll), so tests can kill -9 it.</summary>
public sealed class MemberProcess : IAsyncDisposable
{
    private Process? _process;
    private readonly Dictionary<string, string> _env;
    private int _generation;

    public string DataDir { get; }
    public int HttpPort { get; }
    public PveClient Client { get; private set; } = null!;
    public string LogFile => Path.Combine(DataDir, $"member-{_generation}.out");

    public MemberProcess(IDictionary<string, string>? env = null)
    {
        DataDir = Repo.TempDir("am-proc");
        HttpPort = Repo.FreePort();
        _env = new Dictionary<string, string>
        {
            ["AM_DATA_DIR"] = DataDir,
            ["AM_DRIVER"] = "sim",
            ["AM_HTTP_PORT"] = HttpPort.ToString(),
            ["AM_API_PORT"] = Repo.FreePort().ToString(),
            ["AM_AUTH_FAIL_DELAY_MS"] = "0",
            ["AM_POLL_MS"] = "100",
        };
        if (env is not null)
            foreach (var (k, v) in env) _env[k] = v;
    }

    public void SetEnv(string key, string? value)
    {
        if (value is null) _env.Remove(key);
        else _env[key] = value;
    }

    public static string Dll => Path.Combine(Repo.Root, "src", "ActorMigration.Api", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "actormigration.dll");

    public async Task StartAsync()
    {
        _generation++;
        if (!File.Exists(Dll)) throw new FileNotFoundException("member binary not built", Dll);
        // Output goes to a file so a killed child never blocks on a full pipe.
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var (k, v) in _env) psi.Environment[k] = v;
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec dotnet \"{Dll}\" > \"{LogFile}\" 2>&1");
        _process = Process.Start(psi)!;
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        var tokenFile = Path.Combine(DataDir, "admin.token");
        await PveClient.Eventually(() => Task.FromResult(File.Exists(tokenFile)), TimeSpan.FromSeconds(60), "token file");
        Client = new PveClient(http, (await File.ReadAllTextAsync(tokenFile)).Trim());
        await PveClient.Eventually(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"member exited: {await File.ReadAllTextAsync(LogFile)}");
            try
            {
                return (await Client.Get("/version")).Status == System.Net.HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "member API up");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing.</summary>
    public void Kill9()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        try
        {
            Directory.Delete(DataDir, true);
        }
        catch (IOException)
        {
        }
    }
}

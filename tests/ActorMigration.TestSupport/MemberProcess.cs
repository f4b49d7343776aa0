using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorMigration.TestSupport;

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

    /// <summary>The member's cluster TLS files (CA, CA key, its certificate), created at its first start.</summary>
    public string TlsDir => Path.Combine(DataDir, "cluster-tls");

    /// <summary>How many times the member was started (1 after the first start).</summary>
    public int Generation => _generation;

    /// <summary>The pid of the running member (the dotnet process), null before the first start.</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public MemberProcess(IDictionary<string, string>? env = null, string dataDirPrefix = "am-proc")
    {
        DataDir = Repo.TempDir(dataDirPrefix);
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
        // A member lives seconds to a minute in a test: re-jitting every method called 30 times (the runtime's default,
        // ready-to-run framework code included) cost ~3 s CPU per start on 2 cores; 1000 calls keeps only the hot ones.
        if (Environment.GetEnvironmentVariable("DOTNET_TC_CallCountThreshold") is null)
            _env["DOTNET_TC_CallCountThreshold"] = "1000";
        if (env is not null)
            foreach (var (k, v) in env) _env[k] = v;
    }

    public void SetEnv(string key, string? value)
    {
        if (value is null) _env.Remove(key);
        else _env[key] = value;
    }

    /// <summary>
    /// This member joins <paramref name="first"/>'s cluster: at its first start it copies the cluster CA from there
    /// (AM_CLUSTER_CA, the documented join). <paramref name="first"/> must have started once.
    /// </summary>
    public void UseClusterCaOf(MemberProcess first)
    {
        if (!File.Exists(Path.Combine(first.TlsDir, "ca-cert.pem")))
            throw new InvalidOperationException("the first member has not created the cluster CA yet");
        SetEnv("AM_CLUSTER_CA", first.TlsDir);
    }

    /// <summary>A <c>root@pam</c> ticket session, logged in with the member's <c>root.password</c> (root-only keys need it).</summary>
    public async Task<PveClient> RootSessionAsync() =>
        await PveClient.LoginAsync(HttpPort, "root@pam", (await File.ReadAllTextAsync(Path.Combine(DataDir, "root.password"))).Trim());

    /// <summary>The member's cluster address (members only).</summary>
    public string AkkaAddress => $"akka.ssl.tcp://actormigration@127.0.0.1:{_env["AM_AKKA_PORT"]}";

    /// <summary>The services' address (ClusterClient receptionist), when the member was given an <c>AM_SERVICE_PORT</c>.</summary>
    public string ServiceAddress => $"akka.ssl.tcp://am-services@127.0.0.1:{_env["AM_SERVICE_PORT"]}";

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
        try
        {
            await WaitApiUpAsync();
        }
        catch (TimeoutException e)
        {
            // The member's own output says why (the process keeps running; the caller's dispose kills it).
            var tail = string.Join('\n', ReadLog().Split('\n').TakeLast(60));
            throw new TimeoutException($"{e.Message}; member output (last lines):\n{tail}", e);
        }
    }

    private async Task WaitApiUpAsync()
    {
        var process = _process!;
        await PveClient.Eventually(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"member exited: {await File.ReadAllTextAsync(LogFile)}");
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

    /// <summary>SIGSTOP: the process freezes (as in a long GC pause or a stalled VM) until <see cref="Continue"/>.</summary>
    public void Stop() => Signal(19);

    /// <summary>SIGCONT: a frozen process runs on.</summary>
    public void Continue() => Signal(18);

    private void Signal(int sig)
    {
        if (_process is null || _process.HasExited) throw new InvalidOperationException("member is not running");
        if (SysKill(_process.Id, sig) != 0) throw new InvalidOperationException($"kill({_process.Id}, {sig}) failed");
    }

    /// <summary>The exit code once the current start's process ended by itself within <paramref name="timeout"/>, else null.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is null) return null;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The output of one start of the member (default: the current one).</summary>
    public string ReadLog(int? generation = null)
    {
        var file = Path.Combine(DataDir, $"member-{generation ?? _generation}.out");
        using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(fs).ReadToEnd();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);

    /// <summary>SIGTERM: the member shuts down gracefully (hosts stop, actors stop); falls back to SIGKILL.</summary>
    public async Task StopGracefullyAsync(TimeSpan? timeout = null)
    {
        if (_process is null || _process.HasExited) return;
        SysKill(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill9();
            throw new TimeoutException("member did not stop on SIGTERM");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        // Whatever the member started and left running (QEMU, qemu-nbd are daemons) dies with its data directory.
        await Reality.KillProcessesMentioningAsync(DataDir);
        // AM_TEST_KEEP=1 keeps the data directory (member logs included) for a post-mortem.
        if (Environment.GetEnvironmentVariable("AM_TEST_KEEP") == "1") return;
        try
        {
            Directory.Delete(DataDir, true);
        }
        catch (IOException)
        {
        }
    }
}

using ActorMigration.Api.Setup;
using Microsoft.AspNetCore.Builder;

namespace ActorMigration.TestSupport;

/// <summary>A member started in-process on free ports with its own data directory (simulated driver by default).</summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    public string DataDir { get; }
    public int HttpPort { get; }
    public int HttpsPort { get; }
    public string Token { get; }
    public PveClient Client { get; }
    public PveClient Anonymous { get; }

    /// <summary>The member's services (its endpoint table, for tests that compare routes with the docs).</summary>
    public IServiceProvider Services => _app.Services;

    private InProcessServer(WebApplication app, string dataDir, int httpPort, int httpsPort)
    {
        _app = app;
        DataDir = dataDir;
        HttpPort = httpPort;
        HttpsPort = httpsPort;
        Token = File.ReadAllText(Path.Combine(dataDir, DataDirectory.TokenFile)).Trim();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Client = new PveClient(http, Token);
        Anonymous = new PveClient(http, null);
    }

    public static async Task<InProcessServer> StartAsync(IDictionary<string, string?>? env = null, string? dataDir = null)
    {
        dataDir ??= Repo.TempDir("am-test");
        var httpPort = Repo.FreePort();
        var httpsPort = Repo.FreePort();
        var e = new Dictionary<string, string?>
        {
            ["AM_DATA_DIR"] = dataDir,
            ["AM_DRIVER"] = "sim",
            ["AM_HTTP_PORT"] = httpPort.ToString(),
            ["AM_API_PORT"] = httpsPort.ToString(),
            ["AM_AUTH_FAIL_DELAY_MS"] = "0",
            ["AM_POLL_MS"] = "100",
            ["AM_SIM_SPEED_FACTOR"] = "50",
            // No watchdog processes from in-process members (nothing would end them); tests may set AM_FENCE.
            ["AM_FENCE"] = "0",
        };
        if (env is not null)
            foreach (var (k, v) in env) e[k] = v;
        var settings = ServerSettings.Load([], e);
        var app = ServerHost.Build(settings);
        await app.StartAsync();
        var server = new InProcessServer(app, dataDir, httpPort, httpsPort);
        await PveClient.Eventually(async () => (await server.Client.Get("/nodes")).Body.Contains("online"),
            TimeSpan.FromSeconds(30), "nodes online");
        return server;
    }

    private bool _stopped;

    /// <summary>Stops the member and keeps its data directory (to start another member on it).</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDir, true);
        }
        catch (IOException)
        {
        }
    }
}

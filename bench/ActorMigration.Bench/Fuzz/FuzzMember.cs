using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ActorMigration.Api.Setup;
using ActorMigration.Bench.Qemu;
using ActorMigration.Domain.Storage;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorMigration.Bench.Fuzz;

/// <summary>A route as ASP.NET maps it: method, pattern below /api2/json, and its path parameters.</summary>
internal sealed record RouteInfo(string Method, string Pattern, IReadOnlyList<string> PathParams)
{
    public string Key => $"{Method} {Pattern}";
    public bool Mutating => Method is not ("GET" or "*");
}

/// <summary>What came back: status, reason phrase, body, time; <see cref="Hung"/> when nothing came in time.</summary>
internal sealed record Answer(int Status, string Reason, string Body, TimeSpan Elapsed, bool Hung)
{
    public JsonNode? Json
    {
        get
        {
            try
            {
                return Body.Length > 0 ? JsonNode.Parse(Body) : null;
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }
    }

    public string? Message => Json is JsonObject o && o["message"] is JsonValue v && v.TryGetValue<string>(out var s) ? s.TrimEnd('\n') : null;

    public string? DataString => Json is JsonObject o && o["data"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>
/// One member in this process with the simulated driver: node1..node3 hosted, node4 a cluster node that no member
/// hosts (offline). Its own data directory, free ports, no delay after failed logins.
/// </summary>
internal sealed class FuzzMember : IAsyncDisposable
{
    public static readonly string[] Hosted = ["node1", "node2", "node3"];
    public const string Offline = "node4";
    public static readonly string[] Cluster = [.. Hosted, Offline];
    public const string Prefix = "/api2/json";

    private readonly WebApplication _app;
    private readonly HttpClient _http;

    public string DataDir { get; }
    public string Token { get; }
    public int Port { get; }
    public ActorRegistry Registry { get; }

    private FuzzMember(WebApplication app, string dataDir, int port)
    {
        _app = app;
        DataDir = dataDir;
        Port = port;
        Token = File.ReadAllText(Path.Combine(dataDir, DataDirectory.TokenFile)).Trim();
        Registry = app.Services.GetRequiredService<ActorRegistry>();
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>A third storage whose backup directory holds a file name that breaks its listings (see HostileFiles).</summary>
    public const string ExtraStorage = "extra";

    public static async Task<FuzzMember> StartAsync(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        string[] content = ["images", "iso", "import", "backup"];
        File.WriteAllText(Path.Combine(dataDir, "storage.cfg"), new StorageConfig(
        [
            new StorageDefinition("local", "dir", Path.Combine(dataDir, "nodes", "{node}", "local"), false, content, null),
            new StorageDefinition("shared", "dir", Path.Combine(dataDir, "shared"), true, content, null),
            new StorageDefinition(ExtraStorage, "dir", Path.Combine(dataDir, "nodes", "{node}", ExtraStorage), false, content, null),
        ]).ToString());
        var port = ChildMember.FreePort();
        var env = new Dictionary<string, string?>
        {
            ["AM_DATA_DIR"] = dataDir,
            ["AM_DRIVER"] = "sim",
            ["AM_NODES"] = string.Join(',', Hosted),
            ["AM_CLUSTER_NODES"] = string.Join(',', Cluster),
            ["AM_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["AM_API_PORT"] = ChildMember.FreePort().ToString(CultureInfo.InvariantCulture),
            ["AM_AUTH_FAIL_DELAY_MS"] = "0",
            ["AM_POLL_MS"] = "100",
            ["AM_SIM_SPEED_FACTOR"] = "50",
        };
        var app = ServerHost.Build(ServerSettings.Load([], env));
        await app.StartAsync();
        var m = new FuzzMember(app, dataDir, port);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            var a = await m.Get("/nodes");
            if (a.Status == 200 && Hosted.All(n => a.Body.Contains($"\"node\":\"{n}\"") && a.Body.Contains("online"))) return m;
            await Task.Delay(100);
        }
        throw new TimeoutException("member not online after 60 s");
    }

    /// <summary>Every route the API maps, read from ASP.NET's endpoint data sources (so new routes are covered).</summary>
    public IReadOnlyList<RouteInfo> Routes()
    {
        var list = new List<RouteInfo>();
        foreach (var e in ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var raw = e.RoutePattern.RawText ?? "";
            if (raw.StartsWith(Prefix, StringComparison.Ordinal)) raw = raw[Prefix.Length..];
            if (!raw.StartsWith('/')) raw = "/" + raw;
            var names = e.RoutePattern.Parameters.Select(p => p.Name).ToList();
            var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (methods is null || methods.Count == 0) list.Add(new RouteInfo("*", raw, names));
            else list.AddRange(methods.Select(m => new RouteInfo(m, raw, names)));
        }
        return list.DistinctBy(r => r.Key).OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method).ToList();
    }

    public static Uri RawUri(int port, string pathAndQuery) =>
        new($"http://127.0.0.1:{port}{pathAndQuery}", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    /// <summary>Longer request lines than this (bytes, beyond Kestrel's 8 KiB limit) may see the connection closed.</summary>
    public const int OversizedRequestLine = 64 * 1024;

    /// <summary><see cref="Answer.Status"/> of a request Kestrel cut off at its request-line limit.</summary>
    public const int TransportLimit = -2;

    public HttpRequestMessage Request(HttpMethod method, string pathAndQuery, HttpContent? content = null, bool auth = true)
    {
        var r = new HttpRequestMessage(method, RawUri(Port, pathAndQuery)) { Content = content };
        if (auth) r.Headers.TryAddWithoutValidation("Authorization", $"PVEAPIToken={Token}");
        return r;
    }

    /// <summary>Sends and reads the whole answer, or gives up after <paramref name="timeout"/> (a hang).</summary>
    public async Task<Answer> Send(HttpRequestMessage req, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            using var resp = await _http.SendAsync(req, HttpCompletionOption.ResponseContentRead, cts.Token);
            var body = await resp.Content.ReadAsStringAsync(cts.Token);
            return new Answer((int)resp.StatusCode, resp.ReasonPhrase ?? "", body, sw.Elapsed, false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return new Answer(0, "", "", sw.Elapsed, true);
        }
        catch (HttpRequestException e) when (req.RequestUri!.OriginalString.Length > OversizedRequestLine)
        {
            // Kestrel answers 414 and closes once the request line passes its limit; a client still sending a line
            // this long sees the connection go away instead. Kestrel's own behaviour, not the API's.
            return new Answer(TransportLimit, e.Message, "", sw.Elapsed, false);
        }
        catch (HttpRequestException e)
        {
            // The server closed the connection without an answer: as bad as a hang for the client, but reported apart.
            return new Answer(-1, e.Message, "", sw.Elapsed, false);
        }
        finally
        {
            req.Dispose();
        }
    }

    public Task<Answer> Get(string path, int timeoutSeconds = 30) =>
        Send(Request(HttpMethod.Get, Prefix + path), TimeSpan.FromSeconds(timeoutSeconds));

    public Task<Answer> Call(HttpMethod method, string path, params (string Key, string Value)[] form) =>
        Send(Request(method, Prefix + path, form.Length == 0 ? null
            : new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)))), TimeSpan.FromSeconds(60));

    /// <summary>The task's exit status once it has stopped, or null if it still runs after <paramref name="max"/>.</summary>
    public async Task<string?> WaitTask(string upid, TimeSpan max)
    {
        var parts = upid.Split(':');
        if (parts.Length < 3) return "unparsable UPID";
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < max)
        {
            var a = await Get($"/nodes/{parts[1]}/tasks/{Uri.EscapeDataString(upid)}/status", 10);
            if (a.Json?["data"] is JsonObject d && d["status"]?.ToString() == "stopped") return d["exitstatus"]?.ToString() ?? "";
            await Task.Delay(20);
        }
        return null;
    }

    /// <summary>Runs a task for the fixture; throws unless it is accepted and ends OK.</summary>
    public async Task<string> RunTask(HttpMethod method, string path, params (string, string)[] form)
    {
        var a = await Call(method, path, form);
        var upid = a.DataString;
        if (a.Status != 200 || upid is null || !upid.StartsWith("UPID:", StringComparison.Ordinal))
            throw new InvalidOperationException($"{method} {path}: {a.Status} {a.Reason} {a.Body}");
        var exit = await WaitTask(upid, TimeSpan.FromSeconds(120));
        if (exit != "OK") throw new InvalidOperationException($"{method} {path}: task {upid} ended '{exit}'");
        return upid;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync();
    }

    public static string Status(Answer a) => a.Hung ? "no answer" : $"{a.Status} {a.Reason}";

    public static bool IsUpid(string? s) => s is not null && s.StartsWith("UPID:", StringComparison.Ordinal);
}

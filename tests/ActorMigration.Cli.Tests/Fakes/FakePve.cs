using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Cli.Tests.Fakes;

/// <summary>One request as the fake server saw it. Path is raw (undecoded), relative to /api2/json/.</summary>
public sealed record Recorded(
    string Method, string Path, IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Form, string? Authorization, string? ContentType);

/// <summary>A canned answer: status, reason phrase, body (null = empty, no content type).</summary>
public sealed record Reply(int Status, string? Reason, string? Body)
{
    public static Reply Data(string json) => new(200, null, $"{{\"data\":{json}}}");
    public static Reply Data(string json, int total) => new(200, null, $"{{\"data\":{json},\"total\":{total}}}");
    public static Reply Json(object value) => Data(JsonSerializer.Serialize(value));

    public static Reply BadRequest(params (string Param, string Message)[] errors) => new(400, "Parameter verification failed.",
        JsonSerializer.Serialize(new
        {
            data = (object?)null, errors = errors.ToDictionary(e => e.Param, e => e.Message),
            message = "Parameter verification failed.\n"
        }));

    public static Reply Fail(string message) =>
        new(500, message, JsonSerializer.Serialize(new { data = (object?)null, message = message + "\n" }));

    public static Reply Unauthorized() => new(401, "Authentication failed!", null);
}

/// <summary>A tiny Proxmox-shaped HTTP server on 127.0.0.1 (Kestrel, random port) that records requests.</summary>
public sealed class FakePve : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<(string, string), Func<Recorded, Reply>> _routes = new();
    private readonly List<Recorded> _requests = [];

    private FakePve(WebApplication app) => _app = app;

    public string Url => _app.Urls.First();

    public IReadOnlyList<Recorded> Requests { get { lock (_requests) return _requests.ToList(); } }

    public static async Task<FakePve> StartAsync(X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            if (certificate is not null) listen.UseHttps(certificate);
        }));
        var fake = new FakePve(builder.Build());
        fake._app.Run(fake.HandleAsync);
        await fake._app.StartAsync();
        return fake;
    }

    public FakePve On(string method, string path, Func<Recorded, Reply> reply)
    {
        lock (_routes) _routes[(method, path)] = reply;
        return this;
    }

    public FakePve On(string method, string path, Reply reply) => On(method, path, _ => reply);

    /// <summary>Requests other than the given method+path prefix filter.</summary>
    public IReadOnlyList<Recorded> Sent(string method, string path) =>
        Requests.Where(r => r.Method == method && r.Path == path).ToList();

    private async Task HandleAsync(HttpContext ctx)
    {
        var raw = ctx.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var q = raw.IndexOf('?');
        var path = (q < 0 ? raw : raw[..q]);
        const string prefix = "/api2/json/";
        path = path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : path;

        var query = QueryHelpers.ParseQuery(q < 0 ? "" : raw[q..]).ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
        var body = await new StreamReader(ctx.Request.Body, Encoding.UTF8).ReadToEndAsync();
        var form = QueryHelpers.ParseQuery(body).ToDictionary(kv => kv.Key, kv => kv.Value.ToString());
        var rec = new Recorded(ctx.Request.Method, path, query, form,
            ctx.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, ctx.Request.ContentType);
        lock (_requests) _requests.Add(rec);

        Func<Recorded, Reply>? route;
        lock (_routes) _routes.TryGetValue((rec.Method, path), out route);
        var reply = route?.Invoke(rec) ?? new Reply(501, $"Method '{rec.Method} /{path}' not implemented", null);

        ctx.Response.StatusCode = reply.Status;
        if (reply.Reason is not null) ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = reply.Reason;
        if (reply.Body is not null)
        {
            ctx.Response.ContentType = "application/json;charset=UTF-8";
            await ctx.Response.WriteAsync(reply.Body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

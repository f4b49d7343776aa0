using System.Net;
using System.Net.Sockets;

namespace ActorMigration.Api.Tests.Access;

/// <summary>One member for the access tests, with a short but real fail delay (the throttle is on).</summary>
public sealed class AccessFixture : IAsyncLifetime
{
    public const int FailDelayMs = 300;
    public InProcessServer Server { get; private set; } = null!;
    public PveClient Admin => Server.Client;
    private int _next;

    public async Task InitializeAsync()
    {
        Server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["AM_AUTH_FAIL_DELAY_MS"] = FailDelayMs.ToString() });
        // The store's state (with the ticket key) reaches the member shortly after the start.
        await PveClient.Eventually(async () => (await Admin.Get("/access/users")).Body.Contains("root@pam"), TimeSpan.FromSeconds(30), "access store");
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A fresh name so tests do not share users.</summary>
    public string Name(string prefix) => $"{prefix}{Interlocked.Increment(ref _next)}@pve";

    /// <summary>An HTTP client to the member whose connections come from <paramref name="source"/> (any 127/8 address).</summary>
    public HttpClient From(string source)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            ConnectCallback = async (ctx, ct) =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await s.ConnectAsync(ctx.DnsEndPoint, ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{Server.HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task<string> CreateUser(string password = "secret-1", params (string, string)[] acl)
    {
        var user = Name("u");
        var r = await Admin.Post("/access/users", ("userid", user), ("password", password));
        Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
        foreach (var (path, role) in acl) await Grant(path, role, users: user);
        return user;
    }

    public async Task Grant(string path, string role, string? users = null, string? tokens = null)
    {
        var form = new List<(string, string)> { ("path", path), ("roles", role) };
        if (users is not null) form.Add(("users", users));
        if (tokens is not null) form.Add(("tokens", tokens));
        var r = await Admin.Put("/access/acl", [.. form]);
        Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
    }
}

[CollectionDefinition(Name)]
public sealed class AccessCollection : ICollectionFixture<AccessFixture>
{
    public const string Name = "access";
}

/// <summary>A session from POST /access/ticket: the cookie on every request, the CSRF header on writes.</summary>
public sealed class TicketSession(HttpClient http, string ticket, string csrf)
{
    public string Ticket => ticket;

    public static async Task<PveClient.Response> Login(HttpClient http, string user, string password)
    {
        using var content = new FormUrlEncodedContent([new("username", user), new("password", password)]);
        using var resp = await http.PostAsync("/api2/json/access/ticket", content);
        return new PveClient.Response(resp.StatusCode, resp.ReasonPhrase, await resp.Content.ReadAsStringAsync(), null);
    }

    public static async Task<TicketSession> Open(HttpClient http, string user, string password)
    {
        var r = await Login(http, user, password);
        Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
        return new TicketSession(http, r.Data!["ticket"]!.GetValue<string>(), r.Data!["CSRFPreventionToken"]!.GetValue<string>());
    }

    public async Task<PveClient.Response> Send(HttpMethod method, string path, (string, string)[]? form = null, bool withCsrf = true)
    {
        using var req = new HttpRequestMessage(method, "/api2/json" + path);
        req.Headers.Add("Cookie", $"PVEAuthCookie={ticket}");
        if (withCsrf) req.Headers.Add("CSRFPreventionToken", csrf);
        if (form is not null) req.Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
        using var resp = await http.SendAsync(req);
        return new PveClient.Response(resp.StatusCode, resp.ReasonPhrase, await resp.Content.ReadAsStringAsync(), null);
    }
}

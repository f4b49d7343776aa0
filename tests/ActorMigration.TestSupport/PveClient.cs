using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.TestSupport;

/// <summary>A small Proxmox API client for tests: form bodies, token header, raw responses.</summary>
public sealed class PveClient(HttpClient http, string? token)
{
    public HttpClient Http => http;

    public sealed record Response(HttpStatusCode Status, string? Reason, string Body, string? ContentType)
    {
        public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);
        public JsonNode? Data => Json?["data"];
        public JsonObject? Errors => Json?["errors"] as JsonObject;
        public string? Message => Json?["message"]?.GetValue<string>();

        public override string ToString() => $"{(int)Status} {Reason}: {Body}";
    }

    /// <summary>Logs in with <c>POST /access/ticket</c> and returns a client carrying the ticket cookie and CSRF token.</summary>
    public static async Task<PveClient> LoginAsync(int httpPort, string user, string password)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        var r = await new PveClient(http, null).Post("/access/ticket", ("username", user), ("password", password));
        if (r.Status != HttpStatusCode.OK) throw new InvalidOperationException($"login of {user} failed: {r}");
        http.DefaultRequestHeaders.Add("Cookie", $"PVEAuthCookie={r.Data!["ticket"]!.GetValue<string>()}");
        http.DefaultRequestHeaders.Add("CSRFPreventionToken", r.Data!["CSRFPreventionToken"]!.GetValue<string>());
        return new PveClient(http, null);
    }

    public Task<Response> Get(string path, params (string, string)[] query) => Send(HttpMethod.Get, path, query, null);
    public Task<Response> Delete(string path, params (string, string)[] query) => Send(HttpMethod.Delete, path, query, null);
    public Task<Response> Post(string path, params (string, string)[] form) => Send(HttpMethod.Post, path, [], form);
    public Task<Response> Put(string path, params (string, string)[] form) => Send(HttpMethod.Put, path, [], form);

    public async Task<Response> Send(HttpMethod method, string path, (string, string)[] query, (string, string)[]? form,
        HttpContent? content = null, string? authHeader = null)
    {
        var url = "/api2/json" + path;
        if (query.Length > 0) url += "?" + string.Join("&", query.Select(q => $"{Uri.EscapeDataString(q.Item1)}={Uri.EscapeDataString(q.Item2)}"));
        using var req = new HttpRequestMessage(method, url);
        var auth = authHeader ?? (token is null ? null : $"PVEAPIToken={token}");
        if (auth is not null) req.Headers.TryAddWithoutValidation("Authorization", auth);
        if (form is not null) req.Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
        if (content is not null) req.Content = content;
        using var resp = await http.SendAsync(req);
        return new Response(resp.StatusCode, resp.ReasonPhrase, await resp.Content.ReadAsStringAsync(),
            resp.Content.Headers.ContentType?.ToString());
    }

    public async Task<string> Upid(Task<Response> call)
    {
        var r = await call;
        if (r.Status != HttpStatusCode.OK) throw new InvalidOperationException($"expected a UPID, got {r}");
        return r.Data!.GetValue<string>();
    }

    /// <summary>Waits for a task to stop and returns its exit status.</summary>
    public async Task<string> Wait(string upid, TimeSpan? timeout = null)
    {
        var node = upid.Split(':')[1];
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < until)
        {
            var r = await Get($"/nodes/{node}/tasks/{upid}/status");
            if (r.Status == HttpStatusCode.OK && r.Data!["status"]!.GetValue<string>() == "stopped")
                return r.Data["exitstatus"]!.GetValue<string>();
            await Task.Delay(100);
        }
        throw new TimeoutException($"task {upid} did not finish");
    }

    public async Task<IReadOnlyList<string>> Log(string upid)
    {
        var node = upid.Split(':')[1];
        var r = await Get($"/nodes/{node}/tasks/{upid}/log", ("limit", "0"));
        return r.Data!.AsArray().Select(l => l!["t"]!.GetValue<string>()).ToList();
    }

    /// <summary>Polls until the condition holds (the read model may lag a little).</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"condition not met: {what}");
            await Task.Delay(100);
        }
    }
}

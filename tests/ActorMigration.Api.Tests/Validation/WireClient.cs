namespace ActorMigration.Api.Tests.Validation;

/// <summary>
/// Same calls as <see cref="PveClient"/>, but the response's content type is the header exactly as sent
/// (HttpClient's parsed value prints "application/json; charset=UTF-8" with a space, which would hide the
/// difference npm proxmox-api cares about).
/// </summary>
public sealed class WireClient(HttpClient http, string? token)
{
    public Task<PveClient.Response> Get(string path, params (string, string)[] query) => Send(HttpMethod.Get, path, query, null);
    public Task<PveClient.Response> Delete(string path, params (string, string)[] query) => Send(HttpMethod.Delete, path, query, null);
    public Task<PveClient.Response> Post(string path, params (string, string)[] form) => Send(HttpMethod.Post, path, [], form);
    public Task<PveClient.Response> Put(string path, params (string, string)[] form) => Send(HttpMethod.Put, path, [], form);

    public async Task<PveClient.Response> Send(HttpMethod method, string path, (string, string)[] query, (string, string)[]? form,
        HttpContent? content = null, string? authHeader = null, bool expectContinue = false)
    {
        using var resp = await SendRaw(method, path, query, form, content, authHeader, expectContinue);
        // Before reading the body: reading parses the header, after which it prints normalized.
        var contentType = RawContentType(resp);
        return new PveClient.Response(resp.StatusCode, resp.ReasonPhrase, await resp.Content.ReadAsStringAsync(), contentType);
    }

    /// <summary>The response itself, for tests that look at the protocol version or headers.</summary>
    public Task<HttpResponseMessage> SendRaw(HttpMethod method, string path, (string, string)[] query, (string, string)[]? form,
        HttpContent? content = null, string? authHeader = null, bool expectContinue = false)
    {
        var url = "/api2/json" + path;
        if (query.Length > 0) url += "?" + string.Join("&", query.Select(q => $"{Uri.EscapeDataString(q.Item1)}={Uri.EscapeDataString(q.Item2)}"));
        var req = new HttpRequestMessage(method, url);
        var auth = authHeader ?? (token is null ? null : $"PVEAPIToken={token}");
        if (auth is not null) req.Headers.TryAddWithoutValidation("Authorization", auth);
        if (form is not null) req.Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
        if (content is not null) req.Content = content;
        // With 100-continue a refused request is answered before its body is sent.
        if (expectContinue) req.Headers.ExpectContinue = true;
        return http.SendAsync(req);
    }

    public static string? RawContentType(HttpResponseMessage resp) =>
        resp.Content.Headers.NonValidated.TryGetValues("Content-Type", out var v) ? v.ToString() : null;
}

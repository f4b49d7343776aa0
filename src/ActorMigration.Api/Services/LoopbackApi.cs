using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Services;

/// <summary>
/// This member's own REST API, called over loopback by the service gateway with the service's token and request id:
/// the HTTPS port with its own certificate pinned, or the plain loopback port when the member has one.
/// </summary>
public sealed class LoopbackApi : IDisposable
{
    private readonly HttpClient _http;

    public LoopbackApi(Uri baseUri, X509Certificate2? pinned)
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };
        if (pinned is not null)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
                cert is not null && cert.GetCertHashString() == pinned.GetCertHashString();
        _http = new HttpClient(handler) { BaseAddress = baseUri, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Sends <paramref name="call"/> and reads the whole answer (at most <paramref name="timeout"/>).</summary>
    public async Task<(int Status, string? Reason, JsonNode? Body)> SendAsync(RestCall call, string token, string? requestId,
        TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var req = Request(call, token, requestId);
        using var resp = await _http.SendAsync(req, cts.Token);
        var text = await resp.Content.ReadAsStringAsync(cts.Token);
        JsonNode? body = null;
        try
        {
            body = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            // not JSON (a proxy's page): the status and reason phrase still say what happened
        }
        return ((int)resp.StatusCode, resp.ReasonPhrase, body);
    }

    /// <summary>Opens a streaming GET (Server-Sent Events); the caller reads and disposes the response.</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(RestCall call, string token, CancellationToken ct)
    {
        using var req = Request(call, token, null);
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private static HttpRequestMessage Request(RestCall call, string token, string? requestId)
    {
        var path = "api2/json" + call.Path;
        HttpRequestMessage req;
        if (call.Method == "GET")
        {
            var query = string.Join('&', call.Parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
            req = new HttpRequestMessage(HttpMethod.Get, query.Length > 0 ? $"{path}?{query}" : path);
        }
        else req = new HttpRequestMessage(new HttpMethod(call.Method), path) { Content = new FormUrlEncodedContent(call.Parameters) };
        req.Headers.TryAddWithoutValidation("Authorization", "PVEAPIToken=" + token);
        if (requestId is not null) req.Headers.TryAddWithoutValidation("Idempotency-Key", requestId);
        return req;
    }

    public void Dispose() => _http.Dispose();
}

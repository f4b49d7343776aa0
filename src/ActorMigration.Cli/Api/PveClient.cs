using System.Text.Json;

namespace ActorMigration.Cli.Api;

/// <summary>The "data" of a successful answer, plus "total" when the server sets it.</summary>
public sealed record ApiResult(JsonElement Data, long? Total);

/// <summary>Thin HTTP client of api2/json: token header, form bodies, envelope unwrapping.</summary>
public sealed class PveClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _base;
    private readonly string _authorization;

    public PveClient(string apiRoot, string token, HttpMessageHandler handler, bool disposeHandler)
    {
        _base = apiRoot.TrimEnd('/') + "/";
        _authorization = token.StartsWith("PVEAPIToken=", StringComparison.Ordinal) ? token : "PVEAPIToken=" + token;
        _http = new HttpClient(handler, disposeHandler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public Task<ApiResult> GetAsync(string path, Form? query = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, path + (query?.ToQuery() ?? ""), null, ct);

    public Task<ApiResult> DeleteAsync(string path, Form? query = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, path + (query?.ToQuery() ?? ""), null, ct);

    public Task<ApiResult> PostAsync(string path, Form? form = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, form ?? new Form(), ct);

    public Task<ApiResult> PutAsync(string path, Form? form = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, path, form ?? new Form(), ct);

    private async Task<ApiResult> SendAsync(HttpMethod method, string pathAndQuery, Form? form, CancellationToken ct)
    {
        // Paths are relative to api2/json; a leading '/' would make "api2/json//nodes", which no route matches.
        using var request = new HttpRequestMessage(method, new Uri(_base + pathAndQuery.TrimStart('/')));
        request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        if (form is not null) request.Content = new FormUrlEncodedContent(form);

        using var response = await _http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw ToException(response, body);
        return ParseEnvelope(body);
    }

    private static ApiResult ParseEnvelope(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return new ApiResult(default, null);
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var data = root.TryGetProperty("data", out var d) ? d.Clone() : default;
        var total = root.TryGetProperty("total", out var t) ? Json.AsLong(t) : null;
        return new ApiResult(data, total);
    }

    private static PveApiException ToException(HttpResponseMessage response, string body)
    {
        string? message = null;
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    message = m.GetString()!.TrimEnd('\n', ' ');
                if (doc.RootElement.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                    foreach (var p in e.EnumerateObject())
                        errors[p.Name] = Json.AsText(p.Value).TrimEnd('\n', ' ');
            }
        }
        catch (JsonException)
        {
            // Non-JSON body (e.g. the empty 401): the reason phrase has to do.
        }
        if (string.IsNullOrWhiteSpace(message)) message = null;
        return new PveApiException((int)response.StatusCode, response.ReasonPhrase, message, errors);
    }

    public void Dispose() => _http.Dispose();
}

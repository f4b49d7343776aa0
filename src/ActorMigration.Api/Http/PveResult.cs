using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace ActorMigration.Api.Http;

/// <summary>Proxmox response envelopes: <c>{"data":…}</c>, 400 with <c>errors</c>, 500 with the message in the reason phrase.</summary>
public static class PveResult
{
    public const string ContentType = "application/json;charset=UTF-8";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Data(object? data, int? total = null) => new PveJson(200, null, Envelope(data, total));

    public static IResult ParamErrors(IReadOnlyDictionary<string, string> errors, string message = "Parameter verification failed.") =>
        new PveJson(400, message, new Dictionary<string, object?>
        {
            ["data"] = null,
            ["errors"] = errors,
            ["message"] = message + "\n",
        });

    public static IResult ParamError(string param, string message) =>
        ParamErrors(new Dictionary<string, string> { [param] = message });

    /// <summary>A handler refusal (<c>die</c> in Proxmox): HTTP 500, message in reason phrase and body.</summary>
    public static IResult Error(string message, int status = 500) =>
        new PveJson(status, FirstLine(message), new Dictionary<string, object?>
        {
            ["data"] = null,
            ["message"] = message.EndsWith('\n') ? message : message + "\n",
        });

    public static IResult NotImplemented(string method, string path) =>
        Error($"Method '{method} {path}' not implemented", 501);

    private static Dictionary<string, object?> Envelope(object? data, int? total)
    {
        var d = new Dictionary<string, object?> { ["data"] = data };
        if (total is not null) d["total"] = total;
        return d;
    }

    /// <summary>Longest reason phrase sent; the body's <c>message</c> keeps the whole text.</summary>
    public const int MaxReason = 512;

    private static string FirstLine(string s)
    {
        var line = s.Split('\n')[0];
        // A message may quote a huge value: the status line stays short enough for every client's header limit.
        if (line.Length > MaxReason) line = line[..(MaxReason - 3)] + "...";
        // Reason phrases must be plain ASCII without control characters.
        var sb = new StringBuilder(line.Length);
        foreach (var c in line) sb.Append(c is >= ' ' and <= '~' ? c : '?');
        return sb.ToString();
    }

    private sealed class PveJson(int status, string? reason, object body) : IResult
    {
        public async Task ExecuteAsync(HttpContext ctx)
        {
            ctx.Response.StatusCode = status;
            if (reason is not null) ctx.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = reason;
            ctx.Response.Headers.ContentType = ContentType;
            await ctx.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, Json));
        }
    }
}

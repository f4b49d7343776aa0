using System.Text;
using System.Text.Json;

namespace ActorMigration.Api.Http;

/// <summary>
/// Request parameters merged the Proxmox way: body (form or JSON), then query (overrides), then path.
/// A body value that conflicts with the path is an error; <c>_dc</c> is dropped.
/// </summary>
public sealed class PveParams
{
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    /// <summary>Keys whose JSON value was a real boolean (true/false allowed there).</summary>
    public HashSet<string> JsonBooleans { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public string? this[string key] => Values.TryGetValue(key, out var v) ? v : null;

    public static async Task<PveParams> ReadAsync(HttpContext ctx)
    {
        var p = new PveParams();
        var req = ctx.Request;
        if (req.Method is "POST" or "PUT")
        {
            var contentType = req.ContentType ?? "";
            if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    using var doc = await JsonDocument.ParseAsync(req.Body);
                    if (doc.RootElement.ValueKind != JsonValueKind.Object)
                        p.Errors["body"] = "JSON body must be an object";
                    else
                        foreach (var prop in doc.RootElement.EnumerateObject())
                            p.AddJson(prop.Name, prop.Value);
                }
                // Invalid UTF-8 or lone surrogates in strings surface as InvalidOperationException when read,
                // an oversized or aborted body as an IOException (BadHttpRequestException).
                catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
                {
                    p.Errors["body"] = $"unable to parse JSON body - {Describe(ctx, e)}";
                }
            }
            else if (contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    using var buffer = new MemoryStream();
                    await req.Body.CopyToAsync(buffer);
                    p.AddUrlEncoded(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
                }
                catch (IOException e)
                {
                    p.Errors["body"] = $"unable to parse form body - {Describe(ctx, e)}";
                }
            }
            else if (req.HasFormContentType)
            {
                try
                {
                    var form = await req.ReadFormAsync();
                    foreach (var (k, v) in form) p.Add(k, v.ToString(), multi: v.Count > 1);
                }
                catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
                {
                    p.Errors["body"] = $"unable to parse form body - {Describe(ctx, e)}";
                }
            }
            else if (req.ContentLength > 0 || req.Headers.TransferEncoding.Count > 0)
                // A body we cannot read must not be ignored silently (Proxmox answers 506 here).
                p.Errors["body"] = $"unsupported content type '{contentType}'";
        }
        if (req.QueryString.Value is { Length: > 1 } query)
            p.AddUrlEncoded(Encoding.UTF8.GetBytes(query[1..]), overrides: true);
        p.Values.Remove("_dc");
        foreach (var (k, v) in req.RouteValues)
        {
            var s = v?.ToString() ?? "";
            if (p.Values.TryGetValue(k, out var existing) && existing != s)
                p.Errors[k] = "duplicate parameter (already defined in URI) with conflicting values!";
            p.Values[k] = s;
        }
        return p;
    }

    /// <summary>Why a body could not be read, in our words: never the exception's own text.</summary>
    private static string Describe(HttpContext ctx, Exception e) => e switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            $"Request body too large. The max request body size " +
                $"is {ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes.",
        JsonException { LineNumber: { } line, BytePositionInLine: { } pos } => $"invalid JSON at line {line + 1}, byte {pos + 1}",
        JsonException => "invalid JSON",
        InvalidOperationException => "a string is not valid UTF-8",
        IOException => "the request body could not be read",
        _ => "malformed multipart body",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>
    /// <c>key=value&amp;…</c> pairs ('+' is a space, %XX a byte) decoded as strict UTF-8, as Proxmox decodes them.
    /// ASP.NET's own readers keep an undecodable escape such as %E9 as literal text; here it is an error for its key.
    /// Query pairs override body pairs.
    /// </summary>
    private void AddUrlEncoded(ReadOnlySpan<byte> data, bool overrides = false)
    {
        var pairs = new List<(string Key, string? Value)>();
        while (!data.IsEmpty)
        {
            var amp = data.IndexOf((byte)'&');
            var pair = amp < 0 ? data : data[..amp];
            data = amp < 0 ? [] : data[(amp + 1)..];
            if (pair.IsEmpty) continue;
            var eq = pair.IndexOf((byte)'=');
            var (key, _) = Unescape(eq < 0 ? pair : pair[..eq]);
            var (value, valid) = Unescape(eq < 0 ? [] : pair[(eq + 1)..]);
            pairs.Add((key, valid ? value : null));
        }
        foreach (var g in pairs.GroupBy(x => x.Key))
        {
            if (overrides) Values.Remove(g.Key);
            if (g.Any(x => x.Value is null)) Errors[g.Key] = "value is not valid UTF-8";
            else Add(g.Key, g.Last().Value!, multi: g.Count() > 1);
        }
    }

    private static (string Text, bool Valid) Unescape(ReadOnlySpan<byte> s)
    {
        var bytes = new byte[s.Length];
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var b = s[i];
            if (b == (byte)'+') b = (byte)' ';
            else if (b == (byte)'%' && i + 2 < s.Length && Uri.IsHexDigit((char)s[i + 1]) && Uri.IsHexDigit((char)s[i + 2]))
            {
                b = (byte)(Uri.FromHex((char)s[i + 1]) << 4 | Uri.FromHex((char)s[i + 2]));
                i += 2;
            }
            bytes[n++] = b;
        }
        try
        {
            return (StrictUtf8.GetString(bytes, 0, n), true);
        }
        catch (DecoderFallbackException)
        {
            return (Encoding.UTF8.GetString(bytes, 0, n), false);
        }
    }

    private void Add(string key, string value, bool multi)
    {
        if (multi) Errors[key] = "duplicate parameter";
        Values[key] = value;
    }

    private void AddJson(string key, JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.True:
                Values[key] = "1";
                JsonBooleans.Add(key);
                break;
            case JsonValueKind.False:
                Values[key] = "0";
                JsonBooleans.Add(key);
                break;
            case JsonValueKind.String:
                Values[key] = v.GetString()!;
                break;
            case JsonValueKind.Number:
                Values[key] = v.GetRawText();
                break;
            case JsonValueKind.Null:
                break;
            default:
                Errors[key] = $"type check ('string') failed - got {v.ValueKind.ToString().ToLowerInvariant()}";
                break;
        }
    }
}

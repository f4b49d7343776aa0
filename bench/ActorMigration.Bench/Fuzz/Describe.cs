using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ActorMigration.Bench.Fuzz;

/// <summary>Turns a draft into bytes on the wire, and into one readable line for the report.</summary>
internal static class Describe
{
    /// <summary>The request as sent: path with percent-encoded segments, parameters in the chosen encoding.</summary>
    public static HttpRequestMessage Encode(Draft d, FuzzMember m)
    {
        var path = d.RawPath ?? d.Route.Pattern;
        foreach (var (name, v) in d.PathValues) path = path.Replace("{" + name + "}", v.RawForm ?? Uri.EscapeDataString(v.Text));
        var form = string.Join('&', d.Params.Select(p => Uri.EscapeDataString(p.Key) + "=" + p.Value.FormText));
        var query = d.Encoding == "query" && d.Params.Count > 0 ? "?" + form : "";
        HttpContent? content = d.Encoding switch
        {
            "query" => null,
            "form" => Raw(form, "application/x-www-form-urlencoded"),
            "json" => Raw("{" + string.Join(',', d.Params.Select(p => JsonSerializer.Serialize(p.Key) + ":" + p.Value.JsonFragment)) + "}", "application/json"),
            "multipart" => Multipart(d),
            "text" => Raw(form, "text/plain"),
            _ => Raw("{\"" + (d.Params.FirstOrDefault().Key ?? "a") + "\":", "application/json"),
        };
        var req = m.Request(new HttpMethod(d.Method), FuzzMember.Prefix + path + query, content, auth: d.Auth == "token");
        if (d.Auth == "bad") req.Headers.TryAddWithoutValidation("Authorization", "PVEAPIToken=root@pam!admin=00000000-0000-0000-0000-000000000000");
        return req;
    }

    private static ByteArrayContent Raw(string text, string type)
    {
        var c = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        c.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return c;
    }

    private static MultipartFormDataContent Multipart(Draft d)
    {
        var mp = new MultipartFormDataContent();
        foreach (var (k, v) in d.Params) mp.Add(new StringContent(v.Text), k);
        return mp;
    }

    /// <summary>One line: method, path, encoding, parameters; control characters escaped, long values shortened.</summary>
    public static string Request(Draft d)
    {
        var path = d.RawPath ?? d.Route.Pattern;
        foreach (var (name, v) in d.PathValues) path = path.Replace("{" + name + "}", Value(v));
        var sb = new StringBuilder($"{d.Method} {path}");
        if (d.Params.Count > 0 || d.Encoding is not "query") sb.Append($" [{d.Encoding}]");
        foreach (var (k, v) in d.Params) sb.Append(' ').Append(Text(k, 40)).Append('=').Append(Value(v));
        if (d.Auth != "token") sb.Append($" (auth: {d.Auth})");
        return sb.ToString();
    }

    private static string Value(Val v) =>
        v.RawForm is not null ? Text(v.Text.TrimEnd('\uFFFD'), 100) + "<invalid UTF-8>"
        : v.Json is not null ? "json:" + Text(v.Json, 100)
        : Text(v.Text, 100);

    /// <summary>Control and invisible characters as escapes; long text as its start and its length.</summary>
    public static string Text(string s, int max)
    {
        var sb = new StringBuilder();
        // Long text: its start and its end (a hostile character is often at one of them), and its length.
        foreach (var ch in s.Length > max ? s[..(max / 2)] + "…" + s[^(max / 4)..] : s)
            sb.Append(ch switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ when ch < ' ' || ch == '\x7f' || ch is '\u200b' or '\uFFFD' || char.IsSurrogate(ch) => $"\\u{(int)ch:x4}",
                _ => ch.ToString(),
            });
        if (s.Length > max) sb.Append($"({s.Length} chars)");
        return sb.ToString();
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>
/// A JSON answer's shape, written compactly: <c>str</c>, <c>int</c>, <c>num</c>, <c>bool</c> (Proxmox's 0/1),
/// <c>upid</c>, <c>null</c>, <c>any</c>; <c>[S]</c> a list of S; <c>{a:S, b:S?}</c> an object with field a and maybe b
/// (other fields are allowed, as clients ignore them); <c>{*:S}</c> a map. <c>S|T</c> either.
/// </summary>
public sealed class Shape
{
    private readonly Func<JsonNode?, string, IEnumerable<string>> _check;
    private readonly string _text;

    private Shape(string text, Func<JsonNode?, string, IEnumerable<string>> check)
    {
        _text = text;
        _check = check;
    }

    public override string ToString() => _text;

    /// <summary>What in <paramref name="node"/> does not fit, one line per mismatch with its JSON path.</summary>
    public IReadOnlyList<string> Mismatches(JsonNode? node) => _check(node, "$").ToList();

    public static Shape Parse(string text)
    {
        var pos = 0;
        var shape = ParseAlt(text, ref pos);
        SkipWs(text, ref pos);
        if (pos != text.Length) throw new FormatException($"shape '{text}': unexpected '{text[pos..]}'");
        return shape;
    }

    private static Shape ParseAlt(string s, ref int pos)
    {
        var options = new List<Shape> { ParseOne(s, ref pos) };
        while (Peek(s, ref pos) == '|')
        {
            pos++;
            options.Add(ParseOne(s, ref pos));
        }
        if (options.Count == 1) return options[0];
        var text = string.Join("|", options);
        return new Shape(text, (n, p) => options.Any(o => !o.Mismatches(n).Any()) ? [] : [$"{p}: {Show(n)} is not {text}"]);
    }

    private static Shape ParseOne(string s, ref int pos)
    {
        switch (Peek(s, ref pos))
        {
            case '[':
                pos++;
                var item = ParseAlt(s, ref pos);
                Expect(s, ref pos, ']');
                return new Shape($"[{item}]", (n, p) => n is JsonArray a
                    ? a.SelectMany((x, i) => item._check(x, $"{p}[{i}]"))
                    : [$"{p}: {Show(n)} is not a list"]);
            case '{':
                pos++;
                return ParseObject(s, ref pos);
            default:
                var start = pos;
                while (pos < s.Length && (char.IsLetterOrDigit(s[pos]) || s[pos] == '-' || s[pos] == '_')) pos++;
                return Scalar(s[start..pos]);
        }
    }

    private static Shape ParseObject(string s, ref int pos)
    {
        var fields = new List<(string Name, bool Optional, Shape Shape)>();
        while (Peek(s, ref pos) != '}')
        {
            var start = pos;
            while (pos < s.Length && s[pos] != ':') pos++;
            var name = s[start..pos].Trim();
            Expect(s, ref pos, ':');
            var value = ParseAlt(s, ref pos);
            var optional = Peek(s, ref pos) == '?';
            if (optional) pos++;
            fields.Add((name, optional, value));
            if (Peek(s, ref pos) == ',') pos++;
        }
        pos++;
        var text = "{" + string.Join(", ", fields.Select(f => $"{f.Name}:{f.Shape}{(f.Optional ? "?" : "")}")) + "}";
        if (fields is [("*", _, var each)])
            return new Shape(text, (n, p) => n is JsonObject o
                ? o.SelectMany(kv => each._check(kv.Value, $"{p}.{kv.Key}"))
                : [$"{p}: {Show(n)} is not an object"]);
        return new Shape(text, (n, p) => n is not JsonObject o
            ? [$"{p}: {Show(n)} is not an object"]
            : fields.SelectMany(f => o.TryGetPropertyValue(f.Name, out var v)
                ? f.Shape._check(v, $"{p}.{f.Name}")
                : f.Optional ? [] : [$"{p}: no field '{f.Name}'"]));
    }

    private static Shape Scalar(string name) => name switch
    {
        "str" => Kind(name, n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String),
        "int" => Kind(name, n => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out _)),
        "num" => Kind(name, n => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number),
        "bool" => Kind(name, n => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var b) && b is 0 or 1),
        "upid" => Kind(name, n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String
                                  && v.GetValue<string>().StartsWith("UPID:", StringComparison.Ordinal)),
        "null" => Kind(name, n => n is null),
        "any" => Kind(name, _ => true),
        _ => throw new FormatException($"unknown shape '{name}'")
    };

    private static Shape Kind(string name, Func<JsonNode?, bool> ok) =>
        new(name, (n, p) => ok(n) ? [] : [$"{p}: {Show(n)} is not {name}"]);

    private static string Show(JsonNode? n)
    {
        var text = n?.ToJsonString() ?? "null";
        return text.Length > 60 ? text[..60] + "…" : text;
    }

    private static char Peek(string s, ref int pos)
    {
        SkipWs(s, ref pos);
        return pos < s.Length ? s[pos] : '\0';
    }

    private static void SkipWs(string s, ref int pos)
    {
        while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++;
    }

    private static void Expect(string s, ref int pos, char c)
    {
        if (Peek(s, ref pos) != c) throw new FormatException($"shape '{s}': '{c}' expected at {pos}");
        pos++;
    }
}

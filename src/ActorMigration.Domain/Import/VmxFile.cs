using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Import;

/// <summary>
/// The key/value lines of a VMware <c>.vmx</c>: <c>key = "value"</c>, <c>#</c> comments, case-insensitive keys
/// (the last occurrence wins) and <c>|XX</c> hex escapes in values.
/// </summary>
public sealed partial class VmxFile
{
    private readonly Dictionary<string, string> _values;

    [GeneratedRegex(@"^([A-Za-z0-9_.:\-]+)\s*=\s*(.*)$")]
    private static partial Regex LineRe();

    [GeneratedRegex(@"\|([0-9A-Fa-f]{2})")]
    private static partial Regex EscapeRe();

    private VmxFile(Dictionary<string, string> values) => _values = values;

    public IReadOnlyDictionary<string, string> Values => _values;

    /// <exception cref="ImportException">A line is not <c>key = value</c> or has an unterminated quote.</exception>
    public static VmxFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lineNo = 0;
        foreach (var raw in text.TrimStart('\uFEFF').Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var m = LineRe().Match(line);
            if (!m.Success)
                throw new ImportException($"failed to parse vmx: line {lineNo}: expected 'key = \"value\"', got '{Shorten(line)}'");
            values[m.Groups[1].Value] = Unquote(m.Groups[2].Value.Trim(), lineNo);
        }
        return new VmxFile(values);
    }

    private static string Unquote(string value, int lineNo)
    {
        if (value.Length > 0 && value[0] is '"' or '\'')
        {
            var q = value[0];
            if (value.Length < 2 || value[^1] != q)
                throw new ImportException($"failed to parse vmx: line {lineNo}: unterminated quoted value {Shorten(value)}");
            value = value[1..^1];
        }
        return EscapeRe().Replace(value, m => ((char)Convert.ToByte(m.Groups[1].Value, 16)).ToString());
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";

    public string? this[string key] => _values.TryGetValue(key, out var v) ? v : null;

    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>TRUE/true/yes/1 as VMware reads booleans.</summary>
    public bool IsTrue(string key) => this[key]?.Trim().ToLowerInvariant() is "true" or "yes" or "1";

    /// <summary>Explicitly false (FALSE/no/0); absent is not false.</summary>
    public bool IsFalse(string key) => this[key]?.Trim().ToLowerInvariant() is "false" or "no" or "0";

    /// <summary>A whole number, null when absent.</summary>
    /// <exception cref="ImportException">Present but not a whole number.</exception>
    public long? GetLong(string key)
    {
        if (this[key] is not { } v) return null;
        return long.TryParse(v.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ImportException($"failed to parse vmx: '{key}' must be a whole number, got '{v}'");
    }

    /// <summary>Keys matching <paramref name="pattern"/> (case-insensitive), with their match.</summary>
    public IEnumerable<(string Key, Match Match)> Matching(Regex pattern) =>
        _values.Keys.Select(k => (k, pattern.Match(k))).Where(x => x.Item2.Success);
}

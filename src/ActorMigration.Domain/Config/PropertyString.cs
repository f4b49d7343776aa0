using System.Text;

namespace ActorMigration.Domain.Config;

/// <summary>Proxmox property strings: <c>[default_key=]value,key=value,...</c>.</summary>
public sealed class PropertyString
{
    private readonly List<KeyValuePair<string, string>> _items = new();

    public IReadOnlyList<KeyValuePair<string, string>> Items => _items;

    /// <summary>Like parse_property_string: empty parts are skipped, a key may appear once,
    /// and the key-less value (of <paramref name="defaultKey"/>) may stand anywhere.</summary>
    public static PropertyString Parse(string text, string? defaultKey = null)
    {
        var ps = new PropertyString();
        if (string.IsNullOrEmpty(text)) return ps;
        foreach (var part in text.Split(','))
        {
            if (string.IsNullOrWhiteSpace(part)) continue;
            var eq = part.IndexOf('=');
            var (key, value) = eq < 0
                ? (defaultKey ?? throw new FormatException($"missing key in comma-separated list property: '{part}'"), part)
                : (part[..eq], part[(eq + 1)..]);
            if (ps.Has(key)) throw new FormatException($"duplicate key in comma-separated list property: {key}");
            ps.Set(key, value);
        }
        return ps;
    }

    public string? this[string key]
    {
        get => _items.FirstOrDefault(i => i.Key == key).Value;
        set => Set(key, value);
    }

    public bool Has(string key) => _items.Any(i => i.Key == key);

    public void Set(string key, string? value)
    {
        var idx = _items.FindIndex(i => i.Key == key);
        if (value is null)
        {
            if (idx >= 0) _items.RemoveAt(idx);
            return;
        }
        if (idx >= 0) _items[idx] = new(key, value);
        else _items.Add(new(key, value));
    }

    /// <summary>Prints with the default key's value first and without its name.</summary>
    public string Print(string? defaultKey = null)
    {
        var sb = new StringBuilder();
        if (defaultKey is not null && this[defaultKey] is { } d) sb.Append(d);
        foreach (var (k, v) in _items)
        {
            if (k == defaultKey) continue;
            if (sb.Length > 0) sb.Append(',');
            sb.Append(k).Append('=').Append(v);
        }
        return sb.ToString();
    }

    public override string ToString() => Print();
}

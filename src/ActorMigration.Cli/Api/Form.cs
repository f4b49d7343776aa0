namespace ActorMigration.Cli.Api;

/// <summary>Ordered key/value parameters for a form body or a query string. Booleans become 1/0.</summary>
public sealed class Form : List<KeyValuePair<string, string>>
{
    public Form Add(string key, string? value)
    {
        if (value is not null) Add(new KeyValuePair<string, string>(key, value));
        return this;
    }

    public Form Add(string key, bool? value) => Add(key, value switch { true => "1", false => "0", null => null });

    /// <summary>Adds "key=value" pairs; the value may itself contain '='.</summary>
    public Form AddPairs(IEnumerable<string> pairs)
    {
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new UsageException($"expected key=value, got '{pair}'");
            Add(pair[..eq], pair[(eq + 1)..]);
        }
        return this;
    }

    public string ToQuery() =>
        Count == 0 ? "" : "?" + string.Join("&", this.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
}

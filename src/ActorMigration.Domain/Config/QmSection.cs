namespace ActorMigration.Domain.Config;

/// <summary>One section of a qm config: the main part, a snapshot or [PENDING].</summary>
public sealed class QmSection
{
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    public const string DescriptionKey = "description";

    /// <summary>Notes, written as leading '#' lines (never as a key).</summary>
    public string? Description { get; set; }
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>Option value; "description" maps to <see cref="Description"/>.</summary>
    public string? this[string key]
    {
        get => key == DescriptionKey ? Description : _values.TryGetValue(key, out var v) ? v : null;
        set
        {
            if (key == DescriptionKey) Description = value;
            else if (value is null) _values.Remove(key);
            else _values[key] = value;
        }
    }

    public bool Has(string key) => key == DescriptionKey ? Description is not null : _values.ContainsKey(key);

    public bool Remove(string key)
    {
        if (key != DescriptionKey) return _values.Remove(key);
        var had = Description is not null;
        Description = null;
        return had;
    }

    public IEnumerable<string> Keys => _values.Keys;

    public QmSection Clone()
    {
        var c = new QmSection { Description = Description };
        foreach (var (k, v) in _values) c._values[k] = v;
        return c;
    }
}

namespace ActorMigration.Domain.Config;

/// <summary>
/// The rule that what is stored can be read back: a config is printed, the text is parsed strictly, and the
/// result must hold the same sections, keys and values (descriptions as parse_vm_config normalizes them).
/// </summary>
public sealed partial class QmConfig
{
    /// <summary>The printed text if it reads back as this config; otherwise null and the reason.</summary>
    public string? PrintChecked(out string? error)
    {
        var text = ToString();
        QmConfig? back = null;
        try
        {
            back = ParseStrict(text);
        }
        catch (QmConfigFormatException e)
        {
            error = Explain(null) ?? $"unable to write config - {e.Message}";
            return null;
        }
        if (SameContent(back))
        {
            error = null;
            return text;
        }
        error = Explain(back) ?? "unable to write config - it does not read back as written";
        return null;
    }

    /// <summary>Same sections, keys and values; descriptions compared as parse_vm_config leaves them.</summary>
    public bool SameContent(QmConfig other) =>
        Same(Main, other.Main)
        && (Pending is null ? other.Pending is null : other.Pending is not null && Same(Pending, other.Pending))
        && SameList(Snapshots, other.Snapshots)
        && SameList(Special, other.Special);

    private static bool SameList(List<(string Name, QmSection Section)> a, List<(string Name, QmSection Section)> b)
    {
        if (a.Count != b.Count) return false;
        var x = a.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var y = b.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        return x.Zip(y).All(p => p.First.Name == p.Second.Name && Same(p.First.Section, p.Second.Section));
    }

    private static bool Same(QmSection a, QmSection b) =>
        NormalDescription(a.Description) == NormalDescription(b.Description)
        && a.Values.Count == b.Values.Count
        && a.Values.All(kv => b.Values.TryGetValue(kv.Key, out var v) && v == kv.Value);

    // parse_vm_config: $descr =~ s/\s+$//; an empty description is the same as none.
    private static string? NormalDescription(string? d) => d?.TrimEnd() is { Length: > 0 } t ? t : null;

    /// <summary>Names the first key (or section) that does not survive printing, in Proxmox's wording where it has one.</summary>
    private string? Explain(QmConfig? back)
    {
        // A newline first: it is what changes other keys (write_vm_config's own check).
        foreach (var (_, section, _) in Sections(back))
            if (section.Values.FirstOrDefault(kv => kv.Value.Contains('\n')) is { Key: { } nl })
                return $"detected invalid newline inside property '{nl}'";
        foreach (var (name, section, other) in Sections(back))
        {
            if (name is not null && !SectionLine.IsMatch($"[{name}]"))
                return $"unable to write config - invalid section name '{name}'";
            foreach (var (k, v) in section.Values)
            {
                var m = KeyLine.Match($"{k}: {v}");
                if (!m.Success || m.Groups[1].Value != k || k == QmSection.DescriptionKey)
                    return $"unable to write config - invalid property name '{k}'";
                if (m.Groups[2].Value != v || (other is not null && other[k] != v))
                    return $"unable to write config - value of '{k}' does not read back as written";
            }
        }
        return null;
    }

    private IEnumerable<(string? Name, QmSection Section, QmSection? Back)> Sections(QmConfig? back)
    {
        yield return (null, Main, back?.Main);
        if (Pending is not null) yield return (PendingSection, Pending, back?.Pending);
        foreach (var (n, s) in Snapshots) yield return (n, s, back?.Snapshot(n));
        foreach (var (n, s) in Special) yield return (n, s, back?.Special.FirstOrDefault(x => x.Name == n).Section);
    }
}

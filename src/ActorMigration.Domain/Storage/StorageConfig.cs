using System.Text;
using System.Text.RegularExpressions;

namespace ActorMigration.Domain.Storage;

/// <summary>One storage from storage.cfg. Only the <c>dir</c> type is implemented.</summary>
/// <param name="Properties">Properties as read (e.g. <c>prune-backups</c>), printed back; the typed fields win.</param>
public sealed record StorageDefinition(
    string Id,
    string Type,
    string Path,
    bool Shared,
    IReadOnlyList<string> Content,
    IReadOnlyList<string>? Nodes,
    bool Disabled = false,
    IReadOnlyDictionary<string, string>? Properties = null)
{
    public bool AvailableOn(string node) => !Disabled && (Nodes is null || Nodes.Contains(node));
    public bool HasContent(string content) => Content.Contains(content);

    /// <summary>The directory on <paramref name="node"/>. A <c>{node}</c> placeholder makes a per-node path.</summary>
    public string PathOn(string node) => Path.Replace("{node}", node);
}

/// <summary>Parser and printer for Proxmox <c>storage.cfg</c>.</summary>
public sealed class StorageConfig
{
    private static readonly Regex Header = new(@"^(\w+):\s*([a-z][a-z0-9\-_\.]*[a-z0-9])\s*$", RegexOptions.Compiled);
    private static readonly Regex Prop = new(@"^\s+(\S+)(?:\s+(.*?))?\s*$", RegexOptions.Compiled);
    public static readonly Regex StorageIdRe = new(@"^[a-z][a-z0-9\-_\.]*[a-z0-9]$", RegexOptions.Compiled);

    public IReadOnlyList<StorageDefinition> Storages { get; }

    /// <summary>Proxmox ends every section with an empty line; kept as read, off for new configs.</summary>
    public bool EndsWithBlankLine { get; init; }

    public StorageConfig(IEnumerable<StorageDefinition> storages) => Storages = storages.ToList();

    public StorageDefinition? Get(string id) => Storages.FirstOrDefault(s => s.Id == id);

    public IEnumerable<StorageDefinition> On(string node) => Storages.Where(s => s.AvailableOn(node));

    /// <summary>The storages configured for the node, disabled ones too with <paramref name="includeDisabled"/> (storage_info lists them).</summary>
    public IEnumerable<StorageDefinition> On(string node, bool includeDisabled) =>
        includeDisabled ? Storages.Where(s => s.Nodes is null || s.Nodes.Contains(node)) : On(node);

    /// <summary>The node's own (unshared) storages for disk images: what only that node holds.</summary>
    public IEnumerable<StorageDefinition> LocalImagesOn(string node) => On(node).Where(s => !s.Shared && s.HasContent("images"));

    public static StorageConfig Parse(string text)
    {
        var list = new List<StorageDefinition>();
        string? type = null, id = null;
        var props = new Dictionary<string, string>();
        var lineNo = 0;
        text = text.Replace("\r\n", "\n");

        void Flush()
        {
            if (type is null || id is null) return;
            if (!props.TryGetValue("path", out var path))
                throw new FormatException($"storage '{id}': missing property 'path'");
            list.Add(new StorageDefinition(
                id, type, path,
                props.TryGetValue("shared", out var sh) && IsTrue(sh),
                props.TryGetValue("content", out var c) ? c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : ["images"],
                props.TryGetValue("nodes", out var n) ? n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
                props.TryGetValue("disable", out var d) && IsTrue(d),
                new Dictionary<string, string>(props)));
            props.Clear();
        }

        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            if (raw.Trim().Length == 0 || raw.TrimStart().StartsWith('#')) continue;
            var h = Header.Match(raw);
            if (h.Success)
            {
                Flush();
                type = h.Groups[1].Value;
                id = h.Groups[2].Value;
                if (type != "dir") throw new FormatException($"storage '{id}': unsupported type '{type}'");
                if (list.Any(s => s.Id == id)) throw new FormatException($"storage ID '{id}' already defined");
                continue;
            }
            var p = Prop.Match(raw);
            if (!p.Success || id is null) throw new FormatException($"storage.cfg: unable to parse line {lineNo}: {raw}");
            props[p.Groups[1].Value] = p.Groups[2].Value;
        }
        Flush();
        return new StorageConfig(list) { EndsWithBlankLine = list.Count > 0 && text.TrimEnd(' ', '\t').EndsWith("\n\n") };
    }

    // SectionConfig::check_value: a boolean without value is 1.
    private static bool IsTrue(string v) =>
        v.Length == 0 || v.ToLowerInvariant() is "1" or "on" or "yes" or "true";

    /// <summary>As SectionConfig::write_config: header, <c>disable</c>, <c>path</c>, then the other properties sorted.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in Storages)
        {
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(s.Type).Append(": ").Append(s.Id).Append('\n');
            if (s.Disabled) sb.Append("\tdisable\n");
            sb.Append("\tpath ").Append(s.Path).Append('\n');
            var props = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in s.Properties ?? new Dictionary<string, string>())
                if (k is not ("path" or "disable" or "content" or "nodes")) props[k] = v;
            props["content"] = string.Join(',', s.Content);
            if (s.Nodes is not null) props["nodes"] = string.Join(',', s.Nodes);
            if (s.Shared) props["shared"] = "1";
            else if (props.ContainsKey("shared")) props["shared"] = "0";
            foreach (var (k, v) in props)
                sb.Append('\t').Append(k).Append(v.Length > 0 ? " " + v : "").Append('\n');
        }
        if (EndsWithBlankLine && sb.Length > 0) sb.Append('\n');
        return sb.ToString();
    }
}

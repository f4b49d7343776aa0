using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>Proxmox storage-pair-list: <c>dst</c>, <c>src:dst,src2:dst2</c>, or <c>1</c> (identity).</summary>
public sealed record StorageMap(IReadOnlyDictionary<string, string> Pairs, string? Default, bool Identity)
{
    public static readonly StorageMap Same = new(new Dictionary<string, string>(), null, true);

    public string Map(string source) =>
        Pairs.TryGetValue(source, out var d) ? d : Default ?? source;

    public static bool TryParse(string? text, out StorageMap map, out string? error)
    {
        map = Same;
        error = null;
        if (string.IsNullOrWhiteSpace(text) || text == "1") return true;
        var pairs = new Dictionary<string, string>();
        string? def = null;
        foreach (var raw in text.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = raw.Split(':');
            if (parts.Length == 1 && StorageConfig.StorageIdRe.IsMatch(parts[0]))
            {
                if (def is not null) return Fail($"default target storage '{def}' already specified", out error);
                def = parts[0];
            }
            else if (parts.Length == 2 && StorageConfig.StorageIdRe.IsMatch(parts[0]) && StorageConfig.StorageIdRe.IsMatch(parts[1]))
            {
                if (pairs.ContainsKey(parts[0])) return Fail($"duplicate mapping for source storage '{parts[0]}'", out error);
                pairs[parts[0]] = parts[1];
            }
            else return Fail($"'{raw}' is not a valid storage pair", out error);
        }
        map = new StorageMap(pairs, def, false);
        return true;
    }

    private static bool Fail(string why, out string? error)
    {
        error = $"failed to parse storage map: {why}";
        return false;
    }
}

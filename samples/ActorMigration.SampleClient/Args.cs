namespace ActorMigration.SampleClient;

/// <summary>Words and <c>--name value</c> options (<c>--flag</c> alone is "1"; a repeated option joins with commas).</summary>
public static class Args
{
    public static (List<string> Words, Dictionary<string, string> Options) Parse(string[] args)
    {
        var words = new List<string>();
        var opts = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                words.Add(args[i]);
                continue;
            }
            var name = args[i][2..];
            var value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "1";
            opts[name] = opts.TryGetValue(name, out var had) ? had + "," + value : value;
        }
        return (words, opts);
    }
}

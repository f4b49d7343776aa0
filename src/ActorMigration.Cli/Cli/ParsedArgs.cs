namespace ActorMigration.Cli;

/// <summary>
/// Command line split into words, "--opt value" options and flags.
/// Only names in <see cref="FlagNames"/> are flags; every other "--opt" takes a value
/// ("--opt value" or "--opt=value"). Flags accept "--flag=0|1".
/// </summary>
public sealed class ParsedArgs
{
    public static readonly HashSet<string> FlagNames =
        ["json", "online", "with-local-disks", "start", "help", "no-wait", "current"];

    public List<string> Words { get; } = [];
    public Dictionary<string, List<string>> Options { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, bool> Flags { get; } = new(StringComparer.Ordinal);

    public static ParsedArgs Parse(IReadOnlyList<string> args)
    {
        var parsed = new ParsedArgs();
        var onlyWords = false;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (onlyWords || !a.StartsWith('-') || a == "-") { parsed.Words.Add(a); continue; }
            if (a == "--") { onlyWords = true; continue; }
            if (a == "-h") { parsed.Flags["help"] = true; continue; }
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
                throw new UsageException($"unknown option '{a}'");

            var body = a[2..];
            var eq = body.IndexOf('=');
            var name = eq < 0 ? body : body[..eq];
            var inline = eq < 0 ? null : body[(eq + 1)..];

            if (FlagNames.Contains(name))
                parsed.Flags[name] = inline is null || Bools.Parse(inline, "--" + name);
            else
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"option --{name} needs a value"));
                if (!parsed.Options.TryGetValue(name, out var list)) parsed.Options[name] = list = [];
                list.Add(value);
            }
        }
        return parsed;
    }

    /// <summary>Last value of a value option, or null.</summary>
    public string? Opt(string name) => Options.TryGetValue(name, out var l) ? l[^1] : null;

    public IReadOnlyList<string> All(string name) => Options.TryGetValue(name, out var l) ? l : [];

    /// <summary>True/false when given, null when absent (so the server default applies).</summary>
    public bool? Flag(string name) => Flags.TryGetValue(name, out var v) ? v : null;

    public bool Has(string name) => Flag(name) == true;

    public IEnumerable<string> Names => Options.Keys.Concat(Flags.Keys);
}

public static class Bools
{
    public static bool Parse(string value, string what) => value.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => throw new UsageException($"{what} expects 0 or 1, got '{value}'"),
    };
}

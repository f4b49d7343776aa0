namespace ActorMigration.Cli;

/// <summary>
/// One command: its name ("vm list"), usage of its arguments, the options it accepts
/// and how many positional words it takes (MaxWords -1 = any).
/// </summary>
public sealed record CommandSpec(
    string Name, string Usage, string Summary, int MinWords, int MaxWords,
    string[] Options, Func<CommandContext, Task<int>> Run)
{
    /// <summary>Options every command accepts.</summary>
    public static readonly string[] Global = ["api", "token", "fingerprint", "help"];

    public string Line => $"amctl {Name}{(Usage.Length > 0 ? " " + Usage : "")}";

    public void Validate(ParsedArgs args, int words)
    {
        foreach (var name in args.Names)
            if (!Options.Contains(name) && !Global.Contains(name))
                throw new UsageException($"'{Name}' does not take --{name}");
        if (words < MinWords || (MaxWords >= 0 && words > MaxWords))
            throw new UsageException($"wrong number of arguments for '{Name}'");
    }
}

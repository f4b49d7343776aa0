using ActorMigration.Cli.Commands;
using Spectre.Console;

namespace ActorMigration.Cli;

/// <summary>All commands, lookup by the leading words, and help text.</summary>
public static class CommandTable
{
    public static readonly CommandSpec[] All =
        [.. ClusterCommands.Specs, .. VmCommands.Specs, .. MoveCommands.Specs, .. TaskCommands.Specs, .. NodeCommands.Specs,
            .. RebalanceCommands.Specs];

    /// <summary>Longest command name matching the first words; the rest are its arguments.</summary>
    public static (CommandSpec? Spec, IReadOnlyList<string> Args) Find(IReadOnlyList<string> words)
    {
        for (var n = Math.Min(2, words.Count); n > 0; n--)
        {
            var name = string.Join(' ', words.Take(n));
            if (All.FirstOrDefault(s => s.Name == name) is { } spec) return (spec, words.Skip(n).ToList());
        }
        return (null, words);
    }

    public static void PrintHelp(IAnsiConsole console)
    {
        console.MarkupLine("[bold]amctl[/] - client of the ActorMigration Proxmox-compatible API");
        console.WriteLine();
        foreach (var s in All)
        {
            console.MarkupLine($"  [bold]{Markup.Escape("amctl " + s.Name)}[/] {Markup.Escape(s.Usage)}");
            console.MarkupLine($"      [grey]{Markup.Escape(s.Summary)}[/]");
        }
        console.WriteLine();
        console.WriteLine("Global options: --api URL (AM_API, default https://127.0.0.1:8006), --token user@realm!id=secret");
        console.WriteLine("  (AM_TOKEN, else <AM_DATA_DIR or ./data>/admin.token), --fingerprint SHA256 (AM_FINGERPRINT: accept the server's");
        console.WriteLine("  certificate on first use), --help. '--json' prints the raw API data.");
        console.WriteLine("Exit codes: 0 success, 1 API or task failure, 2 usage error.");
    }

    public static void PrintCommandHelp(IAnsiConsole console, CommandSpec spec)
    {
        console.WriteLine(spec.Summary);
        console.WriteLine("usage: " + spec.Line);
    }
}

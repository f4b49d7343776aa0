using Spectre.Console;

namespace ActorMigration.Cli;

/// <summary>Everything Run needs from the outside world; tests pass fakes.</summary>
public sealed class CliOptions
{
    public required IAnsiConsole Console { get; init; }

    /// <summary>Error messages; defaults to <see cref="Console"/>.</summary>
    public IAnsiConsole? Error { get; init; }

    /// <summary>Replaces the TLS-aware default handler (tests, custom transports).</summary>
    public HttpMessageHandler? Handler { get; init; }

    public Func<string, string?> Env { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Reads a line the user types; null when nobody can answer (stdin redirected), so nothing is asked.</summary>
    public Func<string?>? ReadLine { get; init; }

    public CancellationToken Cancel { get; init; }
}

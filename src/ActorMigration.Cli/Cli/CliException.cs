namespace ActorMigration.Cli;

/// <summary>An expected failure with a message for the user (exit code 1).</summary>
public sealed class CliException(string message) : Exception(message);

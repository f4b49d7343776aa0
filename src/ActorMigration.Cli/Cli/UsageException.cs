namespace ActorMigration.Cli;

/// <summary>Bad command line: printed with a hint, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

namespace ActorMigration.Domain.Import;

/// <summary>A manifest that cannot be imported; the message is meant for the user.</summary>
public sealed class ImportException(string message) : Exception(message);

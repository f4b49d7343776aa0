namespace ActorMigration.Actors.Persistence;

/// <summary>
/// What <see cref="ActorMigrationSerializer"/> returns for a stored event whose payload does not decode (corrupt
/// bytes, a payload that no longer fits its type), instead of failing the recovery or the read model's query stream.
/// Never persisted. <see cref="Error"/> is the decoder's message, for the server log only.
/// </summary>
public sealed record UnreadableEvent(string Manifest, string Error);

using ActorMigration.Domain.Ha;

namespace ActorMigration.Actors.Ha;

/// <summary>Messages of the HA manager (bound to our serializer).</summary>
public interface IHaManagerMessage;

public sealed record GetHaManagerState : IHaManagerMessage;

public sealed record HaManagerStateReply(HaManagerState State) : IHaManagerMessage;

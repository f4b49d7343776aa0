using ActorMigration.Domain.Ha;

namespace ActorMigration.Actors.Ha;

/// <summary>Messages of the HA configuration store (bound to our serializer).</summary>
public interface IHaConfigMessage;

/// <summary>Apply a change; answered with <see cref="HaConfigReply"/> once it is persisted.</summary>
public sealed record HaConfigRequest(IHaConfigCommand Command) : IHaConfigMessage;

/// <summary>The state after the change (or unchanged, with the refusal in Error).</summary>
public sealed record HaConfigReply(HaConfigState State, string? Error) : IHaConfigMessage;

public sealed record GetHaConfig : IHaConfigMessage;

/// <summary>Published on <see cref="HaConfigActor.Topic"/> after each persisted change (for the HA manager).</summary>
public sealed record HaConfigChanged(HaConfigState State) : IHaConfigMessage;

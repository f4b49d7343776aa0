using ActorMigration.Domain.Balance;

namespace ActorMigration.Actors.Balance;

/// <summary>Messages of the cluster configuration store (datacenter options, maintenance), bound to our serializer.</summary>
public interface IClusterConfigMessage;

/// <summary>Apply a change; answered with <see cref="ClusterConfigReply"/> once it is persisted.</summary>
public sealed record ClusterConfigRequest(IClusterConfigCommand Command) : IClusterConfigMessage;

/// <summary>The state after the change (or unchanged, with the refusal in Error).</summary>
public sealed record ClusterConfigReply(ClusterConfigState State, string? Error) : IClusterConfigMessage;

/// <summary>Answered with <see cref="ClusterConfigReply"/> (no error).</summary>
public sealed record GetClusterConfig : IClusterConfigMessage;

/// <summary>Published on topic <c>cluster-config</c> after each persisted change.</summary>
public sealed record ClusterConfigChanged(ClusterConfigState State) : IClusterConfigMessage;

/// <summary>Registry key of the cluster configuration singleton's proxy.</summary>
public sealed class ClusterConfigStore;

namespace ActorMigration.Domain.Balance;

/// <summary>An event of the cluster configuration.</summary>
public interface IClusterConfigEvent;

/// <summary>The options after a change; carries all of them.</summary>
public sealed record ClusterOptionsSet(ClusterOptions Options, string User, DateTimeOffset At) : IClusterConfigEvent;

/// <summary>The node is in maintenance (or its evacuation was started again with a new task).</summary>
public sealed record NodeMaintenanceEnabled(NodeMaintenance M) : IClusterConfigEvent;

public sealed record NodeMaintenanceDisabled(string Node, string User, DateTimeOffset At) : IClusterConfigEvent;

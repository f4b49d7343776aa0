namespace ActorMigration.Domain.Ha;

/// <summary>A node's lease as the database shows it: never held (or released), held, or held and expired.</summary>
public enum HaLease
{
    NotHeld,
    Held,
    Expired,
}

/// <summary>
/// A cluster node as the manager sees it. <paramref name="Online"/>: an Up member it reaches hosts it.
/// <paramref name="Lease"/>: read only for nodes that are not online. <paramref name="FreeMemory"/>: bytes, null when
/// unknown (the node did not answer: not a candidate).
/// </summary>
public sealed record HaNodeView(string Node, bool Online, bool Maintenance, HaLease Lease, DateTimeOffset? LeaseExpiresAt, long? FreeMemory);

/// <summary>Where a VM's record is and whether it is locked.</summary>
public sealed record HaVmView(int VmId, string Node, bool Locked);

/// <summary>A recovery task's status: ended or not, and its error (null when it ended OK).</summary>
public sealed record HaTaskView(string Upid, bool Ended, string? Error);

/// <summary>Everything one decision of the HA manager reads; gathered by its actor, time included.</summary>
public sealed record HaObservation(
    DateTimeOffset At,
    HaConfigState Config,
    IReadOnlyDictionary<string, HaNodeView> Nodes,
    IReadOnlyDictionary<int, HaVmView> Vms,
    IReadOnlyDictionary<string, HaTaskView> Tasks);

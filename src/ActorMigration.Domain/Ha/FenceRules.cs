namespace ActorMigration.Domain.Ha;

/// <summary>When a member may keep its nodes alive (pet their watchdogs and renew their leases).</summary>
public static class FenceRules
{
    /// <summary>
    /// Only while the member is Up and reaches a strict majority of the cluster's members (itself included; members
    /// that are downed or removed no longer count). A member cut off alone, or on the smaller side of a split, stops at
    /// once and its watchdogs fire after the fence timeout, before the survivors may treat its leases as expired.
    /// </summary>
    public static bool MayPet(bool selfUp, int members, int unreachable) =>
        selfUp && members > 0 && (members - unreachable) * 2 > members;
}

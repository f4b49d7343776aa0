namespace ActorMigration.Domain.Ha;

/// <summary>When a member may keep its nodes alive (pet their watchdogs and renew their leases), and which ones.</summary>
public static class FenceRules
{
    /// <summary>
    /// Only while the member is Up and reaches a strict majority of the cluster's members (itself included; members
    /// that are downed or removed no longer count). A member cut off alone, or on the smaller side of a split, stops at
    /// once and its watchdogs fire after the fence timeout, before the survivors may treat its leases as expired.
    /// </summary>
    public static bool MayPet(bool selfUp, int members, int unreachable) =>
        selfUp && members > 0 && (members - unreachable) * 2 > members;

    /// <summary>
    /// The hosted nodes to arm: those that own the VM of some HA-managed resource (<see cref="HaServiceState.IsManaged"/>,
    /// so not <c>ignored</c>), as Proxmox's LRM is active only while its node has services. A VM without a known owner
    /// arms nothing.
    /// </summary>
    public static IReadOnlySet<string> NodesToArm(HaConfigState config, Func<int, string?> ownerOfVm, IEnumerable<string> hostedNodes)
    {
        var owners = config.Resources.Values.Where(HaServiceState.IsManaged).Select(r => ownerOfVm(r.VmId)).OfType<string>().ToHashSet();
        return hostedNodes.Where(owners.Contains).ToHashSet();
    }

    /// <summary>
    /// One node's step in a pet cycle. <see cref="FenceArming.All"/>: always kept. Otherwise, until the member has read
    /// the HA configuration (<paramref name="toArm"/> null) a watchdog already armed is kept (a member restarted within
    /// the grace keeps its HA VMs guarded) and nothing else changes; once read, a node to arm is kept, and a node not to
    /// arm whose watchdog is armed or whose lease may be held is released (lease first, then the watchdog).
    /// </summary>
    /// <param name="leaseMayBeHeld">The member has not released the node's lease since it last renewed it, or does not know.</param>
    public static FenceStep Step(FenceArming arming, IReadOnlySet<string>? toArm, string node, bool watchdogArmed, bool leaseMayBeHeld)
    {
        if (arming == FenceArming.All) return FenceStep.Keep;
        if (toArm is null) return watchdogArmed ? FenceStep.Keep : FenceStep.Idle;
        if (toArm.Contains(node)) return FenceStep.Keep;
        return watchdogArmed || leaseMayBeHeld ? FenceStep.Release : FenceStep.Idle;
    }
}

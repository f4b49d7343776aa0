using Akka.Actor;
using Akka.Cluster;

namespace ActorMigration.Actors.Cluster;

/// <summary>
/// Which member hosts a hypervisor node: an Up member with role <c>hv-&lt;node&gt;</c>. The one home for
/// "is this node online" as the cluster sees it; answered from local membership state, without asking anyone.
/// </summary>
public static class NodeMembership
{
    /// <summary>The Up member with the node's role, reachable or not.</summary>
    public static Member? HostOf(ClusterEvent.CurrentClusterState state, string node) =>
        state.Members.FirstOrDefault(m => m.Status == MemberStatus.Up && m.HasRole(ClusterTopology.RoleOf(node)));

    /// <summary>
    /// The member is declared down, removed or unknown: what was sent to it will never be answered. Unreachable is
    /// not gone (the split-brain resolver decides).
    /// </summary>
    public static bool IsGone(ClusterEvent.CurrentClusterState state, UniqueAddress member) =>
        state.Members.FirstOrDefault(m => m.UniqueAddress == member) is not { } m || m.Status is MemberStatus.Down or MemberStatus.Removed;

    /// <summary>Hosted by an Up member that this member can reach.</summary>
    public static bool IsOnline(ActorSystem system, string node)
    {
        var state = Akka.Cluster.Cluster.Get(system).State;
        return HostOf(state, node) is { } m && !state.Unreachable.Contains(m);
    }

    /// <summary>
    /// This member's view for <see cref="Domain.Ha.FenceRules.MayPet"/>: whether it is Up, how many members count (not
    /// downed or removed) and how many of those it cannot reach.
    /// </summary>
    public static (bool Up, int Members, int Unreachable) MajorityView(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var counted = state.Members.Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Removed)).ToList();
        return (cluster.SelfMember.Status == MemberStatus.Up, counted.Count, counted.Count(state.Unreachable.Contains));
    }
}

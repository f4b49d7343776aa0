using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;

namespace ActorMigration.Actors.Cluster;

/// <summary>Builds a <see cref="ShardPlacement{TRegion}"/> from this member's cluster state and the coordinator's allocations.</summary>
public static class ClusterPlacement
{
    public static ShardPlacement<IActorRef> Of(ActorSystem system,
        IImmutableDictionary<IActorRef, IImmutableList<string>> allocations)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var members = state.Members
            .Select(m => new PlacementMember(m.Address, m.Roles, m.Status == MemberStatus.Up && !state.Unreachable.Contains(m)))
            .ToList();
        var regions = allocations
            .Select(a => new RegionSlot<IActorRef>(a.Key, AddressOf(a.Key, cluster), a.Value))
            .ToList();
        return new ShardPlacement<IActorRef>(regions, members);
    }

    /// <summary>The member a region lives on (a local region's path has no host).</summary>
    public static Address AddressOf(IActorRef region, Akka.Cluster.Cluster cluster) =>
        region.Path.Address.HasLocalScope ? cluster.SelfAddress : region.Path.Address;
}

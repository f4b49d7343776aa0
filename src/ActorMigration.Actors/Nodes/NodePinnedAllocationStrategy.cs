using System.Collections.Immutable;
using ActorMigration.Actors.Cluster;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorMigration.Actors.Nodes;

/// <summary>
/// Places the shard of hypervisor node X on the member that has role <c>hv-X</c>, and never moves it.
/// With no such member up, allocation fails and the region retries later.
/// </summary>
public sealed class NodePinnedAllocationStrategy(ActorSystem system) : IShardAllocationStrategy
{
    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId,
        IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var host = NodeMembership.HostOf(cluster.State, shardId)?.Address;
        if (host is null)
            return Task.FromException<IActorRef>(new InvalidOperationException($"no member hosts node '{shardId}'"));

        var region = currentShardAllocations.Keys.FirstOrDefault(r => AddressOf(r, cluster) == host);
        return region is null
            ? Task.FromException<IActorRef>(new InvalidOperationException($"no shard region on the member hosting '{shardId}'"))
            : Task.FromResult(region);
    }

    public Task<IImmutableSet<string>> Rebalance(
        IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations,
        IImmutableSet<string> rebalanceInProgress) =>
        Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);

    private static Address AddressOf(IActorRef region, Akka.Cluster.Cluster cluster) =>
        region.Path.Address.HasLocalScope ? cluster.SelfAddress : region.Path.Address;
}

using System.Collections.Immutable;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.ReadModel;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorMigration.Actors.Vms;

/// <summary>
/// A VM record lives on the member hosting its VM's owner node (from the read model's <see cref="VmOwnerView"/>),
/// so an operation on the VM needs no bystander; an unknown VM or a gone host falls back to the usable member with the
/// fewest shards. A record follows its VM after a migration (and a new VM, whose owner the read model learns after the
/// record started): a rebalance round moves at most <see cref="MovesPerRound"/> records whose owner is hosted elsewhere,
/// locked or not, so a migration that starts before its record has followed does not keep a bystander on its switchover.
/// The handoff takes milliseconds and waits for a write in progress (<see cref="VmRecordHandOff"/>); messages meanwhile wait.
/// </summary>
public sealed class VmRecordAllocationStrategy(ActorSystem system, Func<int, VmOwner?> owners) : IShardAllocationStrategy
{
    public const int MovesPerRound = 3;

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId,
        IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        try
        {
            return Task.FromResult(ClusterPlacement.Of(system, currentShardAllocations).Home(OwnerNode(shardId, owners)));
        }
        catch (InvalidOperationException e)
        {
            return Task.FromException<IActorRef>(e);
        }
    }

    public Task<IImmutableSet<string>> Rebalance(
        IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations,
        IImmutableSet<string> rebalanceInProgress)
    {
        var moves = Moves(ClusterPlacement.Of(system, currentShardAllocations), owners, rebalanceInProgress);
        if (moves.Count > 0) system.Log.Info("VM records {0} follow their VMs to the owners' members", string.Join(",", moves));
        return Task.FromResult<IImmutableSet<string>>(moves);
    }

    /// <summary>Shards (one per vmid) whose VM's owner is hosted by another usable member; at most <see cref="MovesPerRound"/>.</summary>
    public static ImmutableHashSet<string> Moves<TRegion>(ShardPlacement<TRegion> placement, Func<int, VmOwner?> owners,
        IImmutableSet<string> inProgress) where TRegion : class =>
        placement.AwayFromHome(shard => OwnerNode(shard, owners), inProgress, MovesPerRound);

    private static string? OwnerNode(string shardId, Func<int, VmOwner?> owners) =>
        int.TryParse(shardId, out var vmid) ? owners(vmid)?.Node : null;
}

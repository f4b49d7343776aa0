using System.Collections.Immutable;
using ActorMigration.Actors.Cluster;
using ActorMigration.Domain.Tasks;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Util;

namespace ActorMigration.Actors.Workflows;

/// <summary>
/// Workflow entities are keyed by UPID; the shard is <c>&lt;node&gt;:&lt;bucket&gt;</c>, both from the UPID alone
/// (its node, a stable hash), so every member and every version computes the same shard for a task.
/// </summary>
public sealed class WorkflowMessageExtractor : IMessageExtractor
{
    public const int BucketsPerNode = 10;

    /// <summary>The node part of a UPID that does not parse (its shard has no host and falls back).</summary>
    public const string UnparsedNode = "-";

    public string? EntityId(object message) => message switch
    {
        IWorkflowCommand c => c.Upid,
        _ => null
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message) is { } upid ? ShardOf(upid) : null;

    public string ShardId(string entityId, object? messageHint = null) => ShardOf(entityId);

    public static string ShardOf(string upid)
    {
        var node = Upid.TryParse(upid, out var u) ? u!.Node : UnparsedNode;
        return $"{node}:{Math.Abs(MurmurHash.StringHash(upid) % BucketsPerNode)}";
    }

    /// <summary>The node a shard belongs to; null for a shard id of the old hash scheme ("0".."49").</summary>
    public static string? NodeOf(string shardId)
    {
        var colon = shardId.LastIndexOf(':');
        return colon <= 0 || shardId[..colon] == UnparsedNode ? null : shardId[..colon];
    }
}

/// <summary>
/// A workflow shard lives on the member hosting its task's node (for a migration, the source), so the switchover
/// needs only the source's and target's members. With that member gone, the shard goes to the usable member with
/// the fewest shards (remember-entities restarts its workflows there). Once the node's member is back, a rebalance
/// round moves such shards home, but only those with no unfinished task (<paramref name="running"/>: the read model's
/// unfinished UPIDs, null until it has caught up), so no running workflow is stopped mid-step.
/// </summary>
public sealed class WorkflowAllocationStrategy(ActorSystem system, Func<IReadOnlyCollection<string>?> running) : IShardAllocationStrategy
{
    public const int MovesPerRound = 10;

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId,
        IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var placement = ClusterPlacement.Of(system, currentShardAllocations);
        var node = WorkflowMessageExtractor.NodeOf(shardId);
        if (placement.HostRegion(node) is { } home) return Task.FromResult(home);
        try
        {
            var fallback = placement.Fallback();
            system.Log.Warning("Workflow shard {0}: no usable member hosts node {1}; placed on {2}", shardId, node ?? "(none)",
                fallback.Path.Address);
            return Task.FromResult(fallback);
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
        var moves = Moves(ClusterPlacement.Of(system, currentShardAllocations), running(), rebalanceInProgress);
        if (moves.Count > 0) system.Log.Info("Workflow shards {0} go back to their nodes' members", string.Join(",", moves));
        return Task.FromResult<IImmutableSet<string>>(moves);
    }

    /// <summary>
    /// Shards away from the usable member hosting their node that hold no unfinished task; at most <see cref="MovesPerRound"/>.
    /// None before the read model is ready, or while a region's member is unusable (the handoff would wait for it).
    /// </summary>
    public static ImmutableHashSet<string> Moves<TRegion>(ShardPlacement<TRegion> placement, IReadOnlyCollection<string>? running,
        IImmutableSet<string> inProgress) where TRegion : class
    {
        if (running is null) return [];
        var busy = running.Select(WorkflowMessageExtractor.ShardOf).ToHashSet(StringComparer.Ordinal);
        return placement.AwayFromHome(shard => busy.Contains(shard) ? null : WorkflowMessageExtractor.NodeOf(shard), inProgress, MovesPerRound);
    }
}

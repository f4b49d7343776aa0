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
/// the fewest shards (remember-entities restarts its workflows there). Never rebalanced: a handoff would stop running
/// workflows mid-step.
/// </summary>
public sealed class WorkflowAllocationStrategy(ActorSystem system) : IShardAllocationStrategy
{
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
        IImmutableSet<string> rebalanceInProgress) =>
        Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);
}

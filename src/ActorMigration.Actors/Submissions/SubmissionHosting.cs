using ActorMigration.Actors.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorMigration.Actors.Submissions;

/// <summary>Registry key of the submission (client request id) shard region.</summary>
public sealed class SubmissionRegion;

/// <summary>Entity ids are hex hashes: their first character spreads them over 16 shards.</summary>
public sealed class SubmissionMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => (message as ISubmissionCommand)?.EntityId;

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message) is { } id ? ShardId(id) : null;

    public string ShardId(string entityId, object? messageHint = null) => entityId.Length > 0 ? entityId[..1] : "0";
}

public static class SubmissionHosting
{
    public static AkkaConfigurationBuilder AddSubmissions(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
        {
            var region = ClusterSharding.Get(system).Start(SubmissionActor.TypeName, SubmissionActor.Props,
                ShardingSettings.Of(system, rememberEntities: false), new SubmissionMessageExtractor());
            registry.Register<SubmissionRegion>(region);
        });
}

using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Workflows;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;

namespace ActorMigration.Actors.Balance;

public static class ClusterConfigHosting
{
    /// <summary>
    /// The cluster configuration store: a cluster singleton on any member, reached through its proxy
    /// (<see cref="ClusterConfigStore"/>); it starts evacuations through the member's task router (registered before it).
    /// </summary>
    public static AkkaConfigurationBuilder AddClusterConfig(this AkkaConfigurationBuilder builder, ClusterTopology topology) =>
        builder.WithSingleton<ClusterConfigStore>("cluster-config",
            (system, registry, _) => ClusterConfigActor.Props(
                DistributedPubSub.Get(system).Mediator, registry.Get<TaskRouter>(), topology.ClusterNodes.ToHashSet(StringComparer.Ordinal)),
            new ClusterSingletonOptions(), createProxyToo: true);
}

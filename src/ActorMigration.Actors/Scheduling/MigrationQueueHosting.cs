using ActorMigration.Actors.Balance;
using ActorMigration.Actors.Workflows;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;

namespace ActorMigration.Actors.Scheduling;

public static class MigrationQueueHosting
{
    /// <summary>
    /// The migration queue: a cluster singleton on the oldest member, reached through its proxy
    /// (<see cref="MigrationQueueSingleton"/>); registered after the task router and the cluster configuration it reads.
    /// </summary>
    public static AkkaConfigurationBuilder AddMigrationQueue(this AkkaConfigurationBuilder builder) =>
        builder.WithSingleton<MigrationQueueSingleton>(MigrationQueueActor.Name,
            (system, registry, _) => MigrationQueueActor.Props(
                DistributedPubSub.Get(system).Mediator, registry.Get<ClusterConfigStore>(), registry.Get<TaskRouter>()),
            new ClusterSingletonOptions(), createProxyToo: true);
}

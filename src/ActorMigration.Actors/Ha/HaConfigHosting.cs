using ActorMigration.Actors.Workflows;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;

namespace ActorMigration.Actors.Ha;

/// <summary>Registry key of the HA configuration store's singleton proxy.</summary>
public sealed class HaConfigStore;

public static class HaConfigHosting
{
    /// <summary>
    /// The HA configuration store: a cluster singleton on any member, reached through its proxy; it asks the task
    /// router of its member about follow-up tasks (registered before it).
    /// </summary>
    public static AkkaConfigurationBuilder AddHaConfig(this AkkaConfigurationBuilder builder) =>
        builder.WithSingleton<HaConfigStore>("ha-config",
            (system, registry, _) => HaConfigActor.Props(DistributedPubSub.Get(system).Mediator, registry.Get<TaskRouter>()),
            new ClusterSingletonOptions(), createProxyToo: true);
}

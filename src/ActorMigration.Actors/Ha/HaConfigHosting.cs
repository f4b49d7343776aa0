using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;

namespace ActorMigration.Actors.Ha;

/// <summary>Registry key of the HA configuration store's singleton proxy.</summary>
public sealed class HaConfigStore;

public static class HaConfigHosting
{
    /// <summary>The HA configuration store: a cluster singleton on any member, reached through its proxy.</summary>
    public static AkkaConfigurationBuilder AddHaConfig(this AkkaConfigurationBuilder builder) =>
        builder.WithSingleton<HaConfigStore>("ha-config", (system, _, _) => HaConfigActor.Props(DistributedPubSub.Get(system).Mediator),
            new ClusterSingletonOptions(), createProxyToo: true);
}

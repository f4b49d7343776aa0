using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;

namespace ActorMigration.Actors.Access;

/// <summary>Registry key of the access store's singleton proxy.</summary>
public sealed class AccessStore;

public static class AccessHosting
{
    /// <summary>The access store (a cluster singleton on any member) and this member's replica feeding <paramref name="view"/>.</summary>
    public static AkkaConfigurationBuilder AddAccessControl(this AkkaConfigurationBuilder builder, AccessView view) =>
        builder
            .WithSingleton<AccessStore>("access", (system, _, _) => AccessActor.Props(DistributedPubSub.Get(system).Mediator),
                new ClusterSingletonOptions(), createProxyToo: true)
            .WithActors((system, registry) => system.ActorOf(
                AccessReplicaActor.Props(view, registry.Get<AccessStore>(), DistributedPubSub.Get(system).Mediator), "access-replica"));
}

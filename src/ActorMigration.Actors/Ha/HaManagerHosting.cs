using ActorMigration.Actors.Fencing;
using ActorMigration.Actors.Hosting;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Workflows;
using Akka.Cluster.Hosting;
using Akka.Hosting;

namespace ActorMigration.Actors.Ha;

/// <summary>Registry key of the HA manager's singleton proxy.</summary>
public sealed class HaManagerSingleton;

public static class HaManagerHosting
{
    /// <summary>
    /// The member's lease reader and the HA manager, a cluster singleton (on the oldest member) reached through its
    /// proxy. Registered after the HA configuration store, the read model, the node router and the task router.
    /// </summary>
    public static AkkaConfigurationBuilder AddHaManager(this AkkaConfigurationBuilder builder, MemberOptions o) =>
        builder
            .WithActors((system, _) => HaLeases.Get(system).Use(new NodeLeases(o.Persistence, o.ConnectionString)))
            .WithSingleton<HaManagerSingleton>("ha-manager",
                (system, registry, _) => HaManagerActor.Props(
                    new HaObserver(system, registry.Get<HaConfigStore>(), registry.Get<ClusterReadModel>(),
                        registry.Get<HypervisorNodeRegion>(), registry.Get<TaskRouter>(), o.Topology),
                    registry.Get<TaskRouter>()),
                new ClusterSingletonOptions(), createProxyToo: true);
}

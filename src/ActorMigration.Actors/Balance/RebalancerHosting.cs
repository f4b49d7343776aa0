using ActorMigration.Actors.Ha;
using ActorMigration.Actors.Hosting;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Workflows;
using Akka.Cluster.Hosting;
using Akka.Hosting;

namespace ActorMigration.Actors.Balance;

/// <summary>Registry key of the rebalancer's singleton proxy.</summary>
public sealed class RebalancerSingleton;

public static class RebalancerHosting
{
    /// <summary>
    /// The rebalancer, a cluster singleton reached through its proxy; registered after the read model, the node and task
    /// routers and the HA and cluster configuration stores.
    /// </summary>
    public static AkkaConfigurationBuilder AddRebalancer(this AkkaConfigurationBuilder builder, MemberOptions o) =>
        builder.WithSingleton<RebalancerSingleton>("rebalancer",
            (system, registry, _) => RebalancerActor.Props(
                new RebalanceObserver(system, registry.Get<ClusterReadModel>(), registry.Get<HypervisorNodeRegion>(), registry.Get<TaskRouter>(),
                    registry.Get<HaConfigStore>(), registry.Get<ClusterConfigStore>(), o.Topology),
                registry.Get<TaskRouter>()),
            new ClusterSingletonOptions(), createProxyToo: true);
}

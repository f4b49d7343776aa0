using ActorMigration.Actors.Workflows;
using Akka.Hosting;

namespace ActorMigration.Actors.ReadModel;

/// <summary>Registry key of this member's read model.</summary>
public sealed class ClusterReadModel;

public static class ReadModelHosting
{
    public static AkkaConfigurationBuilder AddClusterReadModel(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
            registry.Register<ClusterReadModel>(
                system.ActorOf(ClusterReadModelActor.Props(registry.Get<TaskRouter>()), "read-model")));
}

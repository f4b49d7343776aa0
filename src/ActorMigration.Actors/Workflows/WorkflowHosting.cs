using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Vms;

namespace ActorMigration.Actors.Workflows;

/// <summary>Registry keys of the workflow regions and the task router.</summary>
public sealed class MigrationWorkflowRegion;

public sealed class TaskRouter;

/// <summary>Workflow entities are keyed by UPID.</summary>
public sealed class WorkflowMessageExtractor() : HashCodeMessageExtractor(50)
{
    public override string? EntityId(object message) => message switch
    {
        IWorkflowCommand c => c.Upid,
        ShardRegion.StartEntity s => s.EntityId,
        _ => null
    };
}

public static class WorkflowHosting
{
    private static readonly ShardOptions RememberedEntities = new()
    {
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = true,
        RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
    };

    /// <summary>The step runner every workflow uses; built once from the registry.</summary>
    public static StepRunner Runner(IActorRegistry registry, ClusterTopology topology, StepTimeouts timeouts) =>
        new(registry.Get<VirtualMachineRegion>(), registry.Get<HypervisorNodeRegion>(), topology, timeouts);

    public static AkkaConfigurationBuilder AddMigrationWorkflows(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, StepTimeouts timeouts) =>
        builder.WithShardRegion<MigrationWorkflowRegion>(
            MigrationWorkflowActor.TypeName,
            (_, registry, _) =>
            {
                var runner = Runner(registry, topology, timeouts);
                return upid => MigrationWorkflowActor.Props(upid, runner);
            },
            new WorkflowMessageExtractor(),
            RememberedEntities);

    /// <summary>The router that finds a task's workflow region from its UPID.</summary>
    public static AkkaConfigurationBuilder AddTaskRouter(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
        {
            var regions = new Dictionary<string, IActorRef>
            {
                [MigrationWorkflowActor.TypeName] = registry.Get<MigrationWorkflowRegion>(),
            };
            foreach (var (name, region) in ExtraRegions(registry)) regions[name] = region;
            registry.Register<TaskRouter>(system.ActorOf(TaskRouterActor.Props(regions), "task-router"));
        });

    /// <summary>Other workflow kinds register here as they are added.</summary>
    private static IEnumerable<(string, IActorRef)> ExtraRegions(IActorRegistry registry) => [];
}

using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Vms;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorMigration.Actors.Workflows;

/// <summary>Registry keys of the workflow regions and the task router.</summary>
public sealed class MigrationWorkflowRegion;

public sealed class CreateWorkflowRegion;

public sealed class VmTaskWorkflowRegion;

public sealed class CloneWorkflowRegion;

public sealed class TemplateWorkflowRegion;

public sealed class SnapshotWorkflowRegion;

public sealed class BackupWorkflowRegion;

public sealed class HaRecoveryWorkflowRegion;

public sealed class TaskRouter;

public sealed class MoveDiskWorkflowRegion;

public static class WorkflowHosting
{
    /// <summary>The step runner every workflow uses; built once from the registry, node liveness from this member's view.</summary>
    public static StepRunner Runner(ActorSystem system, IActorRegistry registry, ClusterTopology topology, StepTimeouts timeouts) =>
        new(registry.Get<VirtualMachineRegion>(), registry.Get<HypervisorNodeRegion>(), topology, timeouts,
            online: node => NodeMembership.IsOnline(system, node))
        {
            NodeGone = node => NodeMembership.HostOf(Akka.Cluster.Cluster.Get(system).State, node) is null,
            Leases = (node, ct) => Ha.HaLeases.Get(system).FactsAsync(node, ct),
            Slots = new SlotSteps(() => registry.TryGet<Scheduling.MigrationQueueSingleton>(out var queue) ? queue : null),
            System = system,
        };

    public static AkkaConfigurationBuilder AddMigrationWorkflows(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, StepTimeouts timeouts) =>
        builder.AddWorkflow<MigrationWorkflowRegion>(MigrationWorkflowActor.TypeName, topology, timeouts, MigrationWorkflowActor.Props);

    public static AkkaConfigurationBuilder AddCreateWorkflows(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, StepTimeouts timeouts) =>
        builder.AddWorkflow<CreateWorkflowRegion>(CreateWorkflowActor.TypeName, topology, timeouts, CreateWorkflowActor.Props);

    public static AkkaConfigurationBuilder AddVmTaskWorkflows(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, StepTimeouts timeouts) =>
        builder.AddWorkflow<VmTaskWorkflowRegion>(VmTaskWorkflowActor.TypeName, topology, timeouts, VmTaskWorkflowActor.Props);

    public static AkkaConfigurationBuilder AddCopyWorkflows(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, StepTimeouts timeouts) =>
        builder
            .AddWorkflow<CloneWorkflowRegion>(CloneWorkflowActor.TypeName, topology, timeouts, CloneWorkflowActor.Props)
            .AddWorkflow<TemplateWorkflowRegion>(TemplateWorkflowActor.TypeName, topology, timeouts, TemplateWorkflowActor.Props)
            .AddWorkflow<SnapshotWorkflowRegion>(SnapshotWorkflowActor.TypeName, topology, timeouts, SnapshotWorkflowActor.Props)
            .AddWorkflow<BackupWorkflowRegion>(BackupWorkflowActor.TypeName, topology, timeouts, BackupWorkflowActor.Props);

    public static AkkaConfigurationBuilder AddHaRecoveryWorkflows(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, StepTimeouts timeouts) =>
        builder.AddWorkflow<HaRecoveryWorkflowRegion>(HaRecoveryWorkflowActor.TypeName, topology, timeouts, HaRecoveryWorkflowActor.Props);

    public static AkkaConfigurationBuilder AddMoveDiskWorkflows(this AkkaConfigurationBuilder builder,
        ClusterTopology topology, StepTimeouts timeouts) =>
        builder.AddWorkflow<MoveDiskWorkflowRegion>(MoveDiskWorkflowActor.TypeName, topology, timeouts, MoveDiskWorkflowActor.Props);

    /// <summary>
    /// One workflow region: remember-entities (event-sourced store) with coordinator state in memory-only ddata,
    /// placed by <see cref="WorkflowAllocationStrategy"/>.
    /// </summary>
    internal static AkkaConfigurationBuilder AddWorkflow<TRegion>(this AkkaConfigurationBuilder builder, string typeName,
        ClusterTopology topology, StepTimeouts timeouts, Func<string, StepRunner, Props> props) =>
        builder.WithActors((system, registry) =>
        {
            var runner = Runner(system, registry, topology, timeouts);
            var tasks = ReadModel.RunningTaskView.Get(system);
            var region = ClusterSharding.Get(system).Start(
                typeName,
                upid => props(upid, runner),
                ShardingSettings.Of(system, rememberEntities: true),
                new WorkflowMessageExtractor(),
                new WorkflowAllocationStrategy(system, () => tasks.Ready ? tasks.Running : null),
                PoisonPill.Instance);
            registry.Register<TRegion>(region);
        });

    /// <summary>The member's <see cref="PrecheckActor"/>, with the step runner the workflows use.</summary>
    public static AkkaConfigurationBuilder AddPrecheck(this AkkaConfigurationBuilder builder, ClusterTopology topology,
        StepTimeouts timeouts) =>
        builder.WithActors((system, registry) =>
            registry.Register<Precheck>(system.ActorOf(PrecheckActor.Props(Runner(system, registry, topology, timeouts)), "precheck")));

    /// <summary>The router that finds a task's workflow region from its UPID.</summary>
    public static AkkaConfigurationBuilder AddTaskRouter(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
        {
            var regions = new Dictionary<string, IActorRef>
            {
                [MigrationWorkflowActor.TypeName] = registry.Get<MigrationWorkflowRegion>(),
                [CreateWorkflowActor.TypeName] = registry.Get<CreateWorkflowRegion>(),
                [VmTaskWorkflowActor.TypeName] = registry.Get<VmTaskWorkflowRegion>(),
                [CloneWorkflowActor.TypeName] = registry.Get<CloneWorkflowRegion>(),
                [TemplateWorkflowActor.TypeName] = registry.Get<TemplateWorkflowRegion>(),
                [SnapshotWorkflowActor.TypeName] = registry.Get<SnapshotWorkflowRegion>(),
                [BackupWorkflowActor.TypeName] = registry.Get<BackupWorkflowRegion>(),
                [HaRecoveryWorkflowActor.TypeName] = registry.Get<HaRecoveryWorkflowRegion>(),
                [BulkWorkflowActor.TypeName] = registry.Get<BulkWorkflowRegion>(),
                [EvacuationWorkflowActor.TypeName] = registry.Get<EvacuationWorkflowRegion>(),
                [MoveDiskWorkflowActor.TypeName] = registry.Get<MoveDiskWorkflowRegion>(),
            };
            registry.Register<TaskRouter>(system.ActorOf(TaskRouterActor.Props(regions), "task-router"));
        });
}

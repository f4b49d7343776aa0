using ActorMigration.Actors.Cluster;
using ActorMigration.Domain.Workflows.Bulk;
using ActorMigration.Domain.Workflows.Evacuation;
using Akka.Actor;
using Akka.Hosting;

namespace ActorMigration.Actors.Workflows;

/// <summary>One migrateall task (task type migrateall), keyed by its UPID.</summary>
public sealed class BulkWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<BulkWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "bulk";
    public const string PersistenceIdPrefix = "bulk-";
    private static readonly BulkMigrationMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) => Akka.Actor.Props.Create(() => new BulkWorkflowActor(upid, runner));

    protected override string Phase(BulkWorkflowState state) => state.Phase;
}

/// <summary>One evacuation of a node in maintenance (task type evacuate), keyed by its UPID.</summary>
public sealed class EvacuationWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<EvacuationWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "evacuation";
    public const string PersistenceIdPrefix = "evacuation-";
    private static readonly EvacuationMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) => Akka.Actor.Props.Create(() => new EvacuationWorkflowActor(upid, runner));

    protected override string Phase(EvacuationWorkflowState state) => state.Phase;
}

public sealed class BulkWorkflowRegion;

public sealed class EvacuationWorkflowRegion;

public static class BulkWorkflowHosting
{
    /// <summary>The migrateall and evacuation regions (register before the task router, which routes to them).</summary>
    public static AkkaConfigurationBuilder AddBulkWorkflows(this AkkaConfigurationBuilder builder, ClusterTopology topology, StepTimeouts timeouts) =>
        builder
            .AddWorkflow<BulkWorkflowRegion>(BulkWorkflowActor.TypeName, topology, timeouts, BulkWorkflowActor.Props)
            .AddWorkflow<EvacuationWorkflowRegion>(EvacuationWorkflowActor.TypeName, topology, timeouts, EvacuationWorkflowActor.Props);
}

using ActorMigration.Domain.Workflows.Snapshot;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>qmsnapshot, qmrollback, qmdelsnapshot as a persistent workflow keyed by its UPID.</summary>
public sealed class SnapshotWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<SnapshotWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "snapshot";
    public const string PersistenceIdPrefix = "snapshot-";
    private static readonly SnapshotMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new SnapshotWorkflowActor(upid, runner));

    protected override string Phase(SnapshotWorkflowState state) => state.Phase;
}

using ActorMigration.Domain.Workflows.MoveDisk;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>qmmove (move_disk: a storage migration of one disk) as a persistent workflow keyed by its UPID.</summary>
public sealed class MoveDiskWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<MoveDiskWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "movedisk";
    public const string PersistenceIdPrefix = "movedisk-";
    private static readonly MoveDiskMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new MoveDiskWorkflowActor(upid, runner));

    protected override string Phase(MoveDiskWorkflowState state) => state.Phase;
}

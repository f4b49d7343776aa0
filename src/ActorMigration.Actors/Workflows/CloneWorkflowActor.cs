using ActorMigration.Domain.Workflows.Clone;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>qmclone (full and linked clones) as a persistent workflow keyed by its UPID.</summary>
public sealed class CloneWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<CloneWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "clone";
    public const string PersistenceIdPrefix = "clone-";
    private static readonly CloneMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new CloneWorkflowActor(upid, runner));

    protected override string Phase(CloneWorkflowState state) => state.Phase;
}

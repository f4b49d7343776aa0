using ActorMigration.Domain.Workflows.Create;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>qmcreate (and qmrestore): a new VM with its disks, as a persistent workflow keyed by its UPID.</summary>
public sealed class CreateWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<CreateWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "import";
    public const string PersistenceIdPrefix = "create-";
    private static readonly CreateMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new CreateWorkflowActor(upid, runner));

    protected override string Phase(CreateWorkflowState state) => state.Phase;
}

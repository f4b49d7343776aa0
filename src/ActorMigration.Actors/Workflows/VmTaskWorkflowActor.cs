using ActorMigration.Domain.Workflows.VmTask;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>Short VM tasks (qmstart, qmstop, qmshutdown, qmdestroy) with a UPID and a task log.</summary>
public sealed class VmTaskWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<VmTaskWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "vmtask";
    public const string PersistenceIdPrefix = "vmtask-";
    private static readonly VmTaskMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new VmTaskWorkflowActor(upid, runner));

    protected override string Phase(VmTaskWorkflowState state) => state.Phase;
}

using ActorMigration.Domain.Workflows.HaRecovery;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>One HA recovery (task type ha-recovery), started by the HA manager, keyed by its UPID.</summary>
public sealed class HaRecoveryWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<HaRecoveryWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "harecovery";
    public const string PersistenceIdPrefix = "harecovery-";
    private static readonly HaRecoveryMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new HaRecoveryWorkflowActor(upid, runner));

    protected override string Phase(HaRecoveryWorkflowState state) => state.Phase;
}

using ActorMigration.Domain.Workflows.Backup;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>vzdump of a stopped VM as a persistent workflow keyed by its UPID.</summary>
public sealed class BackupWorkflowActor(string upid, StepRunner runner)
    : WorkflowActor<BackupWorkflowState>(PersistenceIdPrefix, upid, Machine, runner)
{
    public const string TypeName = "backup";
    public const string PersistenceIdPrefix = "backup-";
    private static readonly BackupMachine Machine = new();

    public static Props Props(string upid, StepRunner runner) =>
        Akka.Actor.Props.Create(() => new BackupWorkflowActor(upid, runner));

    protected override string Phase(BackupWorkflowState state) => state.Phase;
}

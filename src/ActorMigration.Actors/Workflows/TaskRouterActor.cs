using ActorMigration.Domain.Tasks;
using Akka.Actor;

namespace ActorMigration.Actors.Workflows;

/// <summary>Forwards task commands to the workflow region that owns the UPID's task type.</summary>
public sealed class TaskRouterActor : ReceiveActor
{
    public static Props Props(IReadOnlyDictionary<string, IActorRef> regions) =>
        Akka.Actor.Props.Create(() => new TaskRouterActor(regions));

    /// <summary>Which workflow runs a task type (the UPID's type field).</summary>
    public static string WorkflowOf(string taskType) => taskType switch
    {
        "qmigrate" or "hamigrate" => MigrationWorkflowActor.TypeName,
        "qmclone" => CloneWorkflowActor.TypeName,
        "qmtemplate" => TemplateWorkflowActor.TypeName,
        "qmsnapshot" or "qmrollback" or "qmdelsnapshot" => SnapshotWorkflowActor.TypeName,
        "vzdump" => BackupWorkflowActor.TypeName,
        "qmcreate" or "qmrestore" => CreateWorkflowActor.TypeName,
        Domain.Workflows.HaRecovery.HaRecoveryMachine.TaskType => HaRecoveryWorkflowActor.TypeName,
        Domain.Workflows.Bulk.BulkMigrationMachine.TaskType => BulkWorkflowActor.TypeName,
        Domain.Workflows.Evacuation.EvacuationMachine.TaskType => EvacuationWorkflowActor.TypeName,
        Domain.Workflows.MoveDisk.MoveDiskMachine.TaskType => MoveDiskWorkflowActor.TypeName,
        _ => VmTaskWorkflowActor.TypeName
    };

    public TaskRouterActor(IReadOnlyDictionary<string, IActorRef> regions)
    {
        Receive<IWorkflowCommand>(cmd =>
        {
            if (Upid.TryParse(cmd.Upid, out var upid) && regions.TryGetValue(WorkflowOf(upid!.Type), out var region))
                region.Forward(cmd);
            else
                Sender.Tell(cmd is GetTaskLog
                    ? new TaskLogReply(false, [], 0)
                    : new TaskStatusReply(cmd.Upid, false, false, null, "unknown", null, null));
        });
    }
}

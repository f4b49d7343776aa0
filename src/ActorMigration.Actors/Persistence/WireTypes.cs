using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Actors.Persistence;

/// <summary>Types bound to <see cref="ActorMigrationSerializer"/>: persisted events, snapshots and cluster messages.</summary>
public static class WireTypes
{
    public static readonly Type[] All =
    [
        // persisted
        typeof(IVmEvent), typeof(IWorkflowEvent), typeof(MigrationWorkflowState),
        typeof(Domain.Workflows.Create.CreateWorkflowState), typeof(Domain.Workflows.VmTask.VmTaskWorkflowState),
        typeof(Domain.Workflows.Clone.CloneWorkflowState), typeof(Domain.Workflows.Template.TemplateWorkflowState),
        typeof(Domain.Workflows.Snapshot.SnapshotWorkflowState), typeof(Domain.Workflows.Backup.BackupWorkflowState),
        // commands
        typeof(IVmCommand), typeof(INodeCommand), typeof(IWorkflowCommand),
        // replies
        typeof(VmReply), typeof(VmRuntime), typeof(NodeFacts), typeof(MigrationProgress), typeof(NbdExport),
        typeof(StepResult), typeof(NodeDone), typeof(NodeVms), typeof(NodeVmGenId), typeof(NodeVolume),
        typeof(NodeVolumes), typeof(NodeCopyProgress), typeof(NodeBackupManifest), typeof(NodeText),
        typeof(NodeConntrack), typeof(NodeCount),
        typeof(TaskAcceptedReply), typeof(TaskRejectedReply), typeof(TaskStatusReply), typeof(TaskLogReply),
        typeof(WorkflowCommandReply),
        // access control: events, the state that replicas receive, the store's messages
        typeof(Domain.Access.IAccessEvent), typeof(Domain.Access.AccessState), typeof(Access.IAccessMessage),
        // HA configuration: events, the state in replies, the store's messages
        typeof(Domain.Ha.IHaConfigEvent), typeof(Domain.Ha.HaConfigState), typeof(Ha.IHaConfigMessage),
        // HA manager: events, its state in replies, its messages; the recovery workflow's state
        typeof(Domain.Ha.IHaManagerEvent), typeof(Domain.Ha.HaManagerState), typeof(Ha.IHaManagerMessage),
        typeof(Domain.Workflows.HaRecovery.HaRecoveryWorkflowState),
        // cluster configuration: events, the state in replies, the store's messages; the evacuation's request
        typeof(Domain.Balance.IClusterConfigEvent), typeof(Domain.Balance.ClusterConfigState), typeof(Balance.IClusterConfigMessage),
        typeof(Domain.Workflows.Bulk.EvacuationRequest), typeof(Domain.Workflows.Bulk.MigrateAllRequest),
        // migration queue: events, its state (snapshot), the singleton's messages
        typeof(Domain.Scheduling.IQueueEvent), typeof(Domain.Scheduling.MigrationQueueState), typeof(Scheduling.IMigrationQueueMessage),
        // balancing: measured usage of a node's VMs
        typeof(NodeUsage),
        // bulk actions: the migrateall and evacuation workflows' states (their events are workflow events)
        typeof(Domain.Workflows.Bulk.BulkWorkflowState), typeof(Domain.Workflows.Evacuation.EvacuationWorkflowState),
        // rebalancer: events and its state (snapshot)
        typeof(Domain.Balance.IRebalancerEvent), typeof(Domain.Balance.RebalancerState),
        // rebalancer singleton: its messages (API → proxy)
        typeof(Balance.IRebalancerMessage),
        // idempotent submission: the claim (persisted), its commands and reply
        typeof(Submissions.SubmissionClaimed), typeof(Submissions.ISubmissionCommand), typeof(Submissions.SubmissionReply),
        // node status and storage reads (/nodes/{node}/status, /nodes/{node}/storage)
        typeof(Domain.Cluster.NodeStatus), typeof(NodeStorageSpaces), typeof(NodeStorageContent),
        // disk moves: the workflow's state (its events are workflow events)
        typeof(Domain.Workflows.MoveDisk.MoveDiskWorkflowState),
        // guest agent: the node's answer
        typeof(NodeGuestAgent),
    ];
}

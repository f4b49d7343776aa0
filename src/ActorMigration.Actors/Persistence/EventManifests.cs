using ActorMigration.Domain.Access;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Backup;
using ActorMigration.Domain.Workflows.Clone;
using ActorMigration.Domain.Workflows.Create;
using ActorMigration.Domain.Workflows.HaRecovery;
using ActorMigration.Domain.Workflows.Migration;
using ActorMigration.Domain.Workflows.Snapshot;
using ActorMigration.Domain.Workflows.Template;
using ActorMigration.Domain.Workflows.VmTask;

namespace ActorMigration.Actors.Persistence;

/// <summary>
/// Stable short manifests of everything that is persisted. Never change or reuse one;
/// add new types with new manifests.
/// </summary>
public static class EventManifests
{
    public static readonly IReadOnlyDictionary<Type, string> ByType = new Dictionary<Type, string>
    {
        // VM record
        [typeof(VmCreated)] = "vm.created",
        [typeof(VmConfigReplaced)] = "vm.config",
        [typeof(VmLocked)] = "vm.locked",
        [typeof(VmUnlocked)] = "vm.unlocked",
        [typeof(VmOwnerMoved)] = "vm.moved",
        [typeof(VmDestroyed)] = "vm.destroyed",
        [typeof(VmLinkedCloneAdded)] = "vm.clone+",
        [typeof(VmLinkedCloneRemoved)] = "vm.clone-",
        // Task life cycle, shared by all workflows
        [typeof(TaskStarted)] = "task.started",
        [typeof(TaskLogged)] = "task.log",
        [typeof(TaskFinished)] = "task.finished",
        [typeof(TaskAccepted)] = "task.accepted",
        [typeof(TaskRejected)] = "task.rejected",
        [typeof(StepCompleted)] = "step.done",
        [typeof(StepAttemptFailed)] = "step.retry",
        [typeof(StepAttemptsReset)] = "step.reset",
        [typeof(WorkflowFailed)] = "wf.failed",
        [typeof(PointOfNoReturnPassed)] = "wf.ponr",
        [typeof(TaskWarned)] = "task.warn",
        // Migration
        [typeof(MigrationRequested)] = "mig.requested",
        [typeof(MigrationPrepared)] = "mig.prepared",
        [typeof(MigrationIncomingStarted)] = "mig.incoming",
        [typeof(MigrationCompleted)] = "mig.completed",
        [typeof(MigrationConntrackTransferred)] = "mig.conntrack",
        [typeof(MigrationWorkflowState)] = "mig.state",
        // Create and import
        [typeof(CreateRequested)] = "create.requested",
        [typeof(CreateDiskReady)] = "create.disk",
        [typeof(CreateWorkflowState)] = "create.state",
        // Short VM tasks
        [typeof(VmTaskRequested)] = "vmtask.requested",
        [typeof(VmTaskChecked)] = "vmtask.checked",
        [typeof(VmTaskWorkflowState)] = "vmtask.state",
        // Clones
        [typeof(CloneRequested)] = "clone.requested",
        [typeof(ClonePlanned)] = "clone.planned",
        [typeof(CloneWorkflowState)] = "clone.state",
        // Templates
        [typeof(TemplateRequested)] = "tmpl.requested",
        [typeof(TemplatePlanned)] = "tmpl.planned",
        [typeof(TemplateWorkflowState)] = "tmpl.state",
        // Snapshots
        [typeof(SnapshotRequested)] = "snap.requested",
        [typeof(SnapshotPlanned)] = "snap.planned",
        [typeof(SnapshotWorkflowState)] = "snap.state",
        // Backups
        [typeof(BackupRequested)] = "backup.requested",
        [typeof(BackupPlanned)] = "backup.planned",
        [typeof(BackupWorkflowState)] = "backup.state",
        // Access control (users, tokens, ACL, ticket key)
        [typeof(UserSaved)] = "acc.user",
        [typeof(UserDeleted)] = "acc.user-",
        [typeof(TokenSaved)] = "acc.token",
        [typeof(TokenDeleted)] = "acc.token-",
        [typeof(AclGranted)] = "acc.acl+",
        [typeof(AclRevoked)] = "acc.acl-",
        [typeof(TicketKeySet)] = "acc.key",
        // HA configuration (resources and groups)
        [typeof(HaResourceSaved)] = "ha.res",
        [typeof(HaResourceRemoved)] = "ha.res-",
        [typeof(HaGroupSaved)] = "ha.group",
        [typeof(HaGroupRemoved)] = "ha.group-",
        [typeof(HaFollowUpPlanned)] = "ha.after",
        [typeof(HaFollowUpEnded)] = "ha.after-",
        // HA manager (fencing states, recoveries) and the ha-recovery workflow
        [typeof(HaNodeStateChanged)] = "ham.node",
        [typeof(HaRecoveryPlanned)] = "ham.planned",
        [typeof(HaRecoveryEnded)] = "ham.ended",
        [typeof(HaServiceFailed)] = "ham.error",
        [typeof(HaServiceCleared)] = "ham.cleared",
        [typeof(HaRecoveryRequested)] = "harec.requested",
        [typeof(HaRecoveryChecked)] = "harec.checked",
        [typeof(HaRecoveryWorkflowState)] = "harec.state",
        // Cluster configuration (datacenter options, maintenance)
        [typeof(ClusterOptionsSet)] = "cc.options",
        [typeof(NodeMaintenanceEnabled)] = "cc.maint+",
        [typeof(NodeMaintenanceDisabled)] = "cc.maint-",
        // Migration queue (slots) and the migration's wait for one
        [typeof(Domain.Scheduling.SlotQueued)] = "mq.queued",
        [typeof(Domain.Scheduling.SlotGranted)] = "mq.granted",
        [typeof(Domain.Scheduling.SlotReleased)] = "mq.released",
        [typeof(Domain.Scheduling.MigrationQueueState)] = "mq.state",
        [typeof(MigrationSlotRequested)] = "mig.slot",
        [typeof(MigrationQueued)] = "mig.queued",
        // Migration convergence control
        [typeof(MigrationStarted)] = "mig.started",
        [typeof(MigrationConvergenceNoted)] = "mig.convergence",
        [typeof(MigrationTuned)] = "mig.tuned",
        [typeof(MigrationPostcopyRequested)] = "mig.postcopy",
        [typeof(MirrorsProgressed)] = "wf.mirrors",
        // HA rules (Proxmox 9 resource-affinity)
        [typeof(HaRuleSaved)] = "ha.rule",
        [typeof(HaRuleRemoved)] = "ha.rule-",
        // Bulk actions: migrateall and the evacuation of a node in maintenance
        [typeof(Domain.Workflows.Bulk.BulkRequested)] = "bulk.requested",
        [typeof(Domain.Workflows.Bulk.EvacuationRequested)] = "evac.requested",
        [typeof(Domain.Workflows.Bulk.BulkRoundPlanned)] = "bulk.round",
        [typeof(Domain.Workflows.Bulk.BulkChildrenStarted)] = "bulk.started",
        [typeof(Domain.Workflows.Bulk.BulkChildEnded)] = "bulk.child",
        [typeof(Domain.Workflows.Bulk.BulkWorkflowState)] = "bulk.state",
        [typeof(Domain.Workflows.Evacuation.EvacuationWorkflowState)] = "evac.state",
        // Rebalancer (plans with their UPIDs, progress, options; snapshot)
        [typeof(RebalanceOptionsSet)] = "rb.options",
        [typeof(RebalancePlanned)] = "rb.planned",
        [typeof(RebalanceMoveEnded)] = "rb.moved",
        [typeof(RebalancePlanEnded)] = "rb.ended",
        [typeof(RebalancerState)] = "rb.state",
        // Idempotent submission: a caller's client request id claimed for a task start
        [typeof(Submissions.SubmissionClaimed)] = "sub.claimed",
        // Resource pools (user.cfg's pools, in the access store)
        [typeof(PoolSaved)] = "acc.pool",
        [typeof(PoolDeleted)] = "acc.pool-",
        // Disk moves (move_disk, qmmove)
        [typeof(Domain.Workflows.MoveDisk.MoveDiskRequested)] = "movedisk.requested",
        [typeof(Domain.Workflows.MoveDisk.MoveDiskPlanned)] = "movedisk.planned",
        [typeof(Domain.Workflows.MoveDisk.MoveDiskWorkflowState)] = "movedisk.state",
    };

    public static readonly IReadOnlyDictionary<string, Type> ByManifest =
        ByType.ToDictionary(kv => kv.Value, kv => kv.Key);
}

using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Workflows;

/// <summary>An effect a workflow asks its actor to run. <see cref="Key"/> names it in the step bookkeeping.</summary>
public abstract record WorkflowStep(string Key)
{
    /// <summary>Attempts before the failure counts (transient errors are retried).</summary>
    public virtual int MaxAttempts => 3;

    /// <summary>Wait before running (polling steps).</summary>
    public virtual TimeSpan Delay => TimeSpan.Zero;

    /// <summary>A gate: its success accepts the request, its refusal rejects it (no task is listed).</summary>
    public virtual bool IsGate => false;

    /// <summary>
    /// Its plain success (completion, log lines) is written with the workflow's next write instead of on its own. Only for steps
    /// that are harmless to run again after a crash even once the steps after them have acted (they re-check reality).
    /// </summary>
    public bool RecordWithNext { get; init; }

    /// <summary>
    /// It only cleans up on its node: past the point of no return, when that node is declared down, the step is skipped
    /// with a warning (what it would remove went down with the node) instead of failing the workflow.
    /// </summary>
    public bool SkipIfNodeOffline { get; init; }
}

// VM record steps.
public sealed record LockVm(string Key, int VmId, string Lock, string? Node) : WorkflowStep(Key)
{
    public override bool IsGate => true;
}

public sealed record UnlockVm(string Key, int VmId) : WorkflowStep(Key);

public sealed record MoveVm(string Key, int VmId, string From, string To, string ConfigText) : WorkflowStep(Key);

public sealed record ReplaceConfig(string Key, int VmId, string ConfigText) : WorkflowStep(Key);

/// <summary>
/// Sets and deletes options; refused if the config changed since <paramref name="Digest"/>. <paramref name="Mode"/>
/// Stopped or Running: a user's edit through [PENDING], the step asks the node which of the two applies.
/// </summary>
public sealed record EditConfig(string Key, int VmId, string Node, IReadOnlyDictionary<string, string> Set,
    IReadOnlyList<string> Delete, string? Digest, Vms.ConfigEditMode Mode = Vms.ConfigEditMode.Direct, bool Force = false,
    bool SkipLock = false) : WorkflowStep(Key)
{
    public override int MaxAttempts => 1;
}

/// <summary>Creates the VM record locked by the workflow.</summary>
public sealed record CreateVmRecord(string Key, int VmId, string Node, string ConfigText, string Lock) : WorkflowStep(Key)
{
    public override bool IsGate => true;
}

/// <summary>Removes the VM record (it must be locked by the workflow, or absent).</summary>
public sealed record DestroyVmRecord(string Key, int VmId, string Node) : WorkflowStep(Key);

public sealed record LinkClone(string Key, int TemplateVmId, int Child, bool Add) : WorkflowStep(Key);

/// <summary>Reads the VM record, the VM's runtime and both nodes' facts for a migration.</summary>
public sealed record GatherMigrationFacts(string Key, int VmId, string Source, string Target) : WorkflowStep(Key);

/// <summary>Reads the source VM, its runtime, the new VM's record and the volumes the new vmid already has on the node.</summary>
public sealed record GatherCloneFacts(string Key, int VmId, string Node, int NewId) : WorkflowStep(Key);

/// <summary>Reads the VM record and its runtime on a node.</summary>
public sealed record GatherVmFacts(string Key, int VmId, string Node) : WorkflowStep(Key);

// Node steps.
public sealed record VolumeAlloc(string Volid, string Format, long SizeBytes, string? BackingVolid = null);

public sealed record AllocateVolumes(string Key, string Node, IReadOnlyList<VolumeAlloc> Volumes) : WorkflowStep(Key);

public sealed record DeleteVolumes(string Key, string Node, IReadOnlyList<string> Volids) : WorkflowStep(Key)
{
    /// <summary>Tries every volume and answers <see cref="VolumesDeleted"/> with the failures instead of failing.</summary>
    public bool GoOnPastFailures { get; init; }
}

/// <summary><see cref="LoadVm"/>: the internal snapshot whose RAM state the VM starts from (-loadvm), or null.</summary>
public sealed record StartVm(string Key, string Node, int VmId, string ConfigText, IncomingSpec? Incoming, string Tag, string? LoadVm = null)
    : WorkflowStep(Key);

public sealed record StopVm(string Key, string Node, int VmId) : WorkflowStep(Key);

public sealed record ShutdownVm(string Key, string Node, int VmId, int TimeoutSeconds) : WorkflowStep(Key);

public sealed record ResumeVm(string Key, string Node, int VmId) : WorkflowStep(Key);

/// <summary>
/// The target confirms, before the point of no return, that it holds the complete incoming VM of the workflow
/// <paramref name="Tag"/>, paused. It waits up to <paramref name="MaxWait"/> for the incoming state to finish loading.
/// </summary>
public sealed record ConfirmIncoming(string Key, string Node, int VmId, string Tag, TimeSpan MaxWait) : WorkflowStep(Key)
{
    /// <summary>After post-copy the target already runs the VM: running confirms it too.</summary>
    public bool Running { get; init; }
}

public sealed record MirrorJob(string Drive, MirrorTarget Target);

public sealed record StartMirrors(string Key, string Node, int VmId, IReadOnlyList<MirrorJob> Jobs) : WorkflowStep(Key);

public sealed record PollMirrors(string Key, string Node, int VmId, TimeSpan Interval) : WorkflowStep(Key)
{
    public override TimeSpan Delay => Interval;
}

public sealed record FinishMirrors(string Key, string Node, int VmId, IReadOnlyList<string> Drives, bool Pivot) : WorkflowStep(Key);

public sealed record StopNbd(string Key, string Node, int VmId) : WorkflowStep(Key);

public sealed record StartMigration(string Key, string Node, int VmId, MigrationStartSpec Spec) : WorkflowStep(Key);

/// <summary>Runs at once; the node answers when the migration ended or after <paramref name="MaxWait"/>.</summary>
public sealed record PollMigration(string Key, string Node, int VmId, TimeSpan MaxWait) : WorkflowStep(Key)
{
    public override int MaxAttempts => 10;
}

public sealed record CancelMigration(string Key, string Node, int VmId) : WorkflowStep(Key);

/// <summary>migrate-set-parameters on the running migration: the convergence controller's throttle and downtime.</summary>
public sealed record TuneMigration(string Key, string Node, int VmId, MigrationTuning Tuning) : WorkflowStep(Key);

/// <summary>migrate-start-postcopy: the target runs the VM from now on and pulls the pages it lacks.</summary>
public sealed record StartPostcopy(string Key, string Node, int VmId) : WorkflowStep(Key);

public sealed record TransferConntrack(string Key, string Source, string Target, int VmId) : WorkflowStep(Key);

/// <summary>
/// Copies a volume to another node through an NBD export on the target. <paramref name="WithSnapshots"/>: the file
/// itself is copied (sparse), so a qcow2 keeps its internal snapshots.
/// </summary>
public sealed record CopyDisk(string Key, string SourceNode, string TargetNode, string SrcVolid, string DstVolid,
    string Format, long SizeBytes, long? BwLimitKiB, bool WithSnapshots = false) : WorkflowStep(Key);

/// <summary>qemu-img convert on one node (full clone of a stopped VM, import).</summary>
public sealed record ConvertDisk(string Key, string Node, string SrcVolid, string DstVolid, string Format,
    long SizeBytes, string? Snapshot, long? BwLimitKiB) : WorkflowStep(Key);

/// <summary>Renames a volume (template conversion) and sets its read-only flag. Idempotent.</summary>
public sealed record RenameVolume(string Key, string Node, string From, string To, bool ReadOnly) : WorkflowStep(Key);

/// <summary>Internal snapshots of qcow2 volumes: create, rollback or delete. Idempotent.</summary>
public sealed record SnapshotVolumes(string Key, string Node, IReadOnlyList<string> Volids, string Name, string Action) : WorkflowStep(Key);

/// <summary>drive-mirror of a running VM's drives into new volumes on the same node (full clone).</summary>
public sealed record MirrorToVolumes(string Key, string Node, int VmId, IReadOnlyList<VolumeMirror> Mirrors, long? BwLimitKiB) : WorkflowStep(Key);

public sealed record VolumeMirror(string Drive, string DstVolid, string Format);

/// <summary>
/// Writes a backup archive: its config and disks. <paramref name="Live"/>: the VM runs and its disks are copied by a
/// QEMU block job (one point in time) into <see cref="TempOf"/> volumes first; <paramref name="Suspend"/> pauses it meanwhile.
/// </summary>
public sealed record BackupVm(string Key, string Node, int VmId, string ArchiveVolid, string ConfigText,
    IReadOnlyList<DriveVolume> Disks, bool Live = false, bool Suspend = false) : WorkflowStep(Key)
{
    /// <summary>The point-in-time copy of a running VM's drive, next to the drive's volume.</summary>
    public static string TempOf(int vmid, DriveVolume d) =>
        Storage.VolumeName.ImageVolId(d.Volid.Split(':')[0], vmid, $"vzdump-{vmid}-{d.Drive}.qcow2");
}

public sealed record DriveVolume(string Drive, string Volid);

/// <summary>Restores one drive of a backup archive into a new volume.</summary>
public sealed record RestoreDisk(string Key, string Node, string ArchiveVolid, string Drive, string DstVolid, string Format) : WorkflowStep(Key);

/// <summary>A step with nothing to do but be recorded (marks parts a batch step already did).</summary>
public sealed record Noop(string Key) : WorkflowStep(Key);

// HA recovery steps.
/// <summary>Reads the node's lease from the journal database: recovery from it needs its lease held and expired.</summary>
public sealed record CheckNodeFenced(string Key, string Node) : WorkflowStep(Key);

/// <summary>
/// Moves the record, locked by the workflow, from <paramref name="From"/> to <paramref name="To"/> without asking either
/// node (the source is fenced): the point of no return of an HA recovery.
/// </summary>
public sealed record RecoverVm(string Key, int VmId, string From, string To) : WorkflowStep(Key);

// Migration queue steps.
/// <summary>
/// Asks the migration queue for a slot: answered at once when granted, else after <paramref name="MaxWait"/> (a long poll);
/// not granted → the step runs again. Waiting is not a failure.
/// </summary>
public sealed record AcquireSlot(string Key, int VmId, string Source, string Target, Scheduling.MigrationSlot Slot, TimeSpan MaxWait)
    : WorkflowStep(Key)
{
    public override int MaxAttempts => 10;
}

/// <summary>Gives the migration's slot (or its place in the queue) back; giving back twice is harmless.</summary>
public sealed record ReleaseSlot(string Key, string Why) : WorkflowStep(Key)
{
    public override int MaxAttempts => 10;
}

// Disk move steps (move_disk).
/// <summary>Reads the VM record, its runtime, the disk's volume and the VM's volumes on the node's image storages.</summary>
public sealed record GatherMoveDiskFacts(string Key, int VmId, string Node, string Disk) : WorkflowStep(Key);

/// <summary>
/// block-job-complete of the drive's mirror into <paramref name="DstVolid"/>: the running VM writes the new volume from
/// now on. Done already when the drive's current file is that volume; no mirror job left means the VM stayed on the old one.
/// </summary>
public sealed record PivotMirror(string Key, string Node, int VmId, string Drive, string DstVolid) : WorkflowStep(Key);

/// <summary>block-job-cancel of the drive's mirror into <paramref name="DstVolid"/>, unless the VM already writes that volume.</summary>
public sealed record CancelMirror(string Key, string Node, int VmId, string Drive, string DstVolid) : WorkflowStep(Key);

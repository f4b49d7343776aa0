namespace ActorMigration.Domain.Workflows.Snapshot;

/// <summary>A drive of a running VM (scsi0) and the volume behind it.</summary>
public sealed record SnapshotDrive(string Drive, string Volid);

/// <summary>
/// Internal snapshots of a running VM's qcow2 drives through QMP: <c>create</c> (all drives at once; with
/// <see cref="VmStateDrive"/> the RAM state too, saved into that drive) or <c>delete</c>. Re-checks the volumes first.
/// </summary>
public sealed record SnapshotRunningVm(string Key, string Node, int VmId, IReadOnlyList<SnapshotDrive> Drives, string Name, string Action,
    string? VmStateDrive = null) : WorkflowStep(Key);

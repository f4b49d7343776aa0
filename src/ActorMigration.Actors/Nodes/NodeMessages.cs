using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Actors.Nodes;

/// <summary>Commands to a hypervisor node; routed by <see cref="Node"/>. Replies are the record named in each comment.</summary>
public interface INodeCommand
{
    string Node { get; }
}

/// <summary>→ <see cref="NodeFacts"/></summary>
public sealed record GetNodeFacts(string Node) : INodeCommand;

/// <summary>→ <see cref="NodeVms"/></summary>
public sealed record ListNodeVms(string Node) : INodeCommand;

/// <summary>→ <see cref="VmRuntime"/></summary>
public sealed record GetVmRuntime(string Node, int VmId) : INodeCommand;

/// <summary>Starts from a qm config; volumes resolve on this node. → <see cref="VmRuntime"/></summary>
public sealed record StartNodeVm(string Node, int VmId, string ConfigText, IncomingSpec? Incoming, string? Tag) : INodeCommand;

/// <summary>→ <see cref="NodeDone"/></summary>
public sealed record StopNodeVm(string Node, int VmId) : INodeCommand;

public sealed record ShutdownNodeVm(string Node, int VmId, int TimeoutSeconds) : INodeCommand;

public sealed record PauseNodeVm(string Node, int VmId) : INodeCommand;

public sealed record ResumeNodeVm(string Node, int VmId) : INodeCommand;

public sealed record StartNodeMigration(string Node, int VmId, MigrationStartSpec Spec) : INodeCommand;

/// <summary>→ <see cref="MigrationProgress"/> of the outgoing migration, once it ended or after <paramref name="MaxWait"/>.</summary>
public sealed record QueryNodeMigration(string Node, int VmId, TimeSpan MaxWait = default) : INodeCommand;

public sealed record CancelNodeMigration(string Node, int VmId) : INodeCommand;

public sealed record StartNodeMirrors(string Node, int VmId, IReadOnlyList<MirrorJob> Jobs) : INodeCommand;

/// <summary>→ <see cref="NodeBlockJobs"/></summary>
public sealed record QueryNodeBlockJobs(string Node, int VmId) : INodeCommand;

public sealed record FinishNodeMirrors(string Node, int VmId, IReadOnlyList<string> Drives, bool Pivot) : INodeCommand;

public sealed record StopNodeNbd(string Node, int VmId) : INodeCommand;

/// <summary>→ <see cref="NodeVmGenId"/></summary>
public sealed record QueryNodeVmGenId(string Node, int VmId) : INodeCommand;

/// <summary>Creates volumes; an existing volume of the same size is kept. → <see cref="NodeDone"/></summary>
public sealed record CreateNodeVolumes(string Node, IReadOnlyList<VolumeAlloc> Volumes, bool ReplaceExisting) : INodeCommand;

public sealed record DeleteNodeVolumes(string Node, IReadOnlyList<string> Volids) : INodeCommand;

/// <summary>→ <see cref="NodeVolume"/></summary>
public sealed record GetNodeVolume(string Node, string Volid) : INodeCommand;

/// <summary>→ <see cref="NodeVolumes"/></summary>
public sealed record ListNodeVolumes(string Node, string Storage, int? VmId) : INodeCommand;

public sealed record RenameNodeVolume(string Node, string From, string To, bool ReadOnly) : INodeCommand;

/// <summary>→ <see cref="NbdExport"/>. <see cref="FileLength"/>: a new empty file of that length, served raw (a file copy's target).</summary>
public sealed record ExportNodeVolume(string Node, string Volid, bool Writable, long? FileLength = null) : INodeCommand;

public sealed record CloseNodeExport(string Node, string ExportId) : INodeCommand;

/// <summary>Long copy; progress goes to <see cref="ProgressTo"/> as <see cref="NodeCopyProgress"/>. → <see cref="NodeDone"/></summary>
public sealed record CopyNodeVolumeToNbd(string Node, string Volid, string NbdUri, long? BwLimitKiB, Akka.Actor.IActorRef? ProgressTo,
    bool File = false) : INodeCommand;

public sealed record ConvertNodeVolume(string Node, string SrcVolid, string DstVolid, string Format, string? Snapshot,
    long? BwLimitKiB, Akka.Actor.IActorRef? ProgressTo) : INodeCommand;

public sealed record SnapshotNodeVolume(string Node, string Volid, string Name, string Action) : INodeCommand;

public sealed record BackupNodeVm(string Node, string BackupVolid, string ConfigText, IReadOnlyList<BackupDrive> Disks,
    Akka.Actor.IActorRef? ProgressTo) : INodeCommand;

public sealed record BackupDrive(string Drive, string Volid);

/// <summary>→ <see cref="NodeBackupManifest"/></summary>
public sealed record ReadNodeBackup(string Node, string BackupVolid) : INodeCommand;

public sealed record RestoreNodeDisk(string Node, string BackupVolid, string Drive, string DstVolid, string Format,
    Akka.Actor.IActorRef? ProgressTo) : INodeCommand;

/// <summary>→ <see cref="NodeText"/></summary>
public sealed record ReadNodeText(string Node, string Volid) : INodeCommand;

/// <summary>→ <see cref="NodeConntrack"/></summary>
public sealed record DumpNodeConntrack(string Node, int VmId) : INodeCommand;

/// <summary>→ <see cref="NodeCount"/></summary>
public sealed record LoadNodeConntrack(string Node, int VmId, IReadOnlyList<string> Entries) : INodeCommand;

public sealed record FlushNodeConntrack(string Node, int VmId) : INodeCommand;

// Replies.
public sealed record NodeDone
{
    public static readonly NodeDone Instance = new();
}

public sealed record NodeVms(string Node, IReadOnlyList<VmRuntime> Vms);

public sealed record NodeBlockJobs(IReadOnlyList<BlockJobInfo> Jobs);

public sealed record NodeVmGenId(string? Guid);

public sealed record NodeVolume(VolumeInfo? Volume);

public sealed record NodeVolumes(IReadOnlyList<VolumeInfo> Volumes);

public sealed record NodeCopyProgress(long DoneBytes, long TotalBytes);

public sealed record NodeBackupManifest(string ConfigText, IReadOnlyList<Drivers.Abstractions.BackupDisk> Disks);

public sealed record NodeText(string Text);

public sealed record NodeConntrack(IReadOnlyList<string> Entries);

public sealed record NodeCount(int Count);

/// <summary>A driver error; the message is what the task log shows.</summary>
public sealed class NodeOperationException(string message) : Exception(message);

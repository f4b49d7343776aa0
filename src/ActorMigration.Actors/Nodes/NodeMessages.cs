using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Actors.Nodes;

/// <summary>Commands to a hypervisor node; routed by <see cref="Node"/>. Replies are the record named in each comment.</summary>
public interface INodeCommand
{
    string Node { get; }
}

/// <summary>
/// A command that changes something on its node. Sent by a workflow step, it carries the step's identity and a deadline;
/// the node drops it when it arrives (or would start) after that deadline: the workflow has given up on it by then.
/// </summary>
public interface IStampedNodeCommand : INodeCommand
{
    StepStamp? Stamp { get; }
}

/// <summary>
/// Which attempt of which workflow step sent a command, and until when it may start (absolute UTC: the ask
/// timeout from the moment it was sent).
/// </summary>
public sealed record StepStamp(string Upid, string StepKey, int Attempt, DateTimeOffset Deadline);

/// <summary>→ <see cref="NodeFacts"/></summary>
public sealed record GetNodeFacts(string Node) : INodeCommand;

/// <summary>→ <see cref="NodeVms"/></summary>
public sealed record ListNodeVms(string Node) : INodeCommand;

/// <summary>→ <see cref="VmRuntime"/></summary>
public sealed record GetVmRuntime(string Node, int VmId) : INodeCommand;

/// <summary>
/// A single-node workflow step, run by <see cref="Drivers.Node.NodeOperations"/> under the step's own name (StartMigration
/// runs NodeOperations.StartMigration, which calls the driver's StartMigrationAsync). Copies report to
/// <see cref="ProgressTo"/> as <see cref="NodeCopyProgress"/>. → the step's <see cref="StepResult"/>
/// </summary>
public sealed record NodeStep(string Node, WorkflowStep Step, Akka.Actor.IActorRef? ProgressTo = null, StepStamp? Stamp = null)
    : IStampedNodeCommand;

/// <summary>→ <see cref="NodeVmGenId"/></summary>
public sealed record QueryNodeVmGenId(string Node, int VmId) : INodeCommand;

/// <summary>Creates volumes; an existing volume of the same size is kept. → <see cref="NodeDone"/></summary>
public sealed record CreateNodeVolumes(string Node, IReadOnlyList<VolumeAlloc> Volumes, bool ReplaceExisting, StepStamp? Stamp = null)
    : IStampedNodeCommand;

/// <summary>Writes the VM's cloud-init images from <see cref="ConfigText"/> (PUT …/cloudinit). → <see cref="NodeDone"/></summary>
public sealed record WriteNodeCloudInit(string Node, int VmId, string ConfigText, StepStamp? Stamp = null) : IStampedNodeCommand;

/// <summary>→ <see cref="NodeVolume"/></summary>
public sealed record GetNodeVolume(string Node, string Volid) : INodeCommand;

/// <summary>→ <see cref="NodeVolumes"/></summary>
public sealed record ListNodeVolumes(string Node, string Storage, int? VmId) : INodeCommand;

/// <summary>→ <see cref="NbdExport"/>. <see cref="FileLength"/>: a new empty file of that length, served raw (a file copy's target).</summary>
public sealed record ExportNodeVolume(string Node, string Volid, bool Writable, long? FileLength = null, StepStamp? Stamp = null)
    : IStampedNodeCommand;

/// <summary>Cleanup: never stale, a late close still frees the export. → <see cref="NodeDone"/></summary>
public sealed record CloseNodeExport(string Node, string ExportId) : INodeCommand;

/// <summary>Long copy; progress goes to <see cref="ProgressTo"/> as <see cref="NodeCopyProgress"/>. → <see cref="NodeDone"/></summary>
public sealed record CopyNodeVolumeToNbd(string Node, string Volid, string NbdUri, long? BwLimitKiB, Akka.Actor.IActorRef? ProgressTo,
    bool File = false, StepStamp? Stamp = null) : IStampedNodeCommand;

/// <summary>→ <see cref="NodeBackupManifest"/></summary>
public sealed record ReadNodeBackup(string Node, string BackupVolid) : INodeCommand;

/// <summary>→ <see cref="NodeText"/></summary>
public sealed record ReadNodeText(string Node, string Volid) : INodeCommand;

/// <summary>→ <see cref="NodeConntrack"/></summary>
public sealed record DumpNodeConntrack(string Node, int VmId) : INodeCommand;

/// <summary>→ <see cref="NodeCount"/></summary>
public sealed record LoadNodeConntrack(string Node, int VmId, IReadOnlyList<string> Entries, StepStamp? Stamp = null)
    : IStampedNodeCommand;

/// <summary>→ <see cref="NodeCount"/></summary>
public sealed record FlushNodeConntrack(string Node, int VmId, StepStamp? Stamp = null) : IStampedNodeCommand;

// Replies.
public sealed record NodeDone
{
    public static readonly NodeDone Instance = new();
}

public sealed record NodeVms(string Node, IReadOnlyList<VmRuntime> Vms);

public sealed record NodeVmGenId(string? Guid);

public sealed record NodeVolume(VolumeInfo? Volume);

public sealed record NodeVolumes(IReadOnlyList<VolumeInfo> Volumes);

public sealed record NodeCopyProgress(long DoneBytes, long TotalBytes);

public sealed record NodeBackupManifest(string ConfigText, IReadOnlyList<Drivers.Abstractions.BackupDisk> Disks);

public sealed record NodeText(string Text);

public sealed record NodeConntrack(IReadOnlyList<string> Entries);

public sealed record NodeCount(int Count);

/// <summary>→ <see cref="NodeUsage"/>: measured use of the node's running VMs (balancing).</summary>
public sealed record GetNodeUsage(string Node) : INodeCommand;

public sealed record NodeUsage(string Node, IReadOnlyList<Domain.Balance.VmUsage> Vms);

/// <summary>A driver error; the message is what the task log shows.</summary>
public sealed class NodeOperationException(string message) : Exception(message);

/// <summary>→ <see cref="Domain.Cluster.NodeStatus"/>: uptime, load, CPU, memory of the node's host.</summary>
public sealed record GetNodeStatus(string Node) : INodeCommand;

/// <summary>→ <see cref="NodeStorageSpaces"/>: each storage's space on the node.</summary>
public sealed record GetNodeStorageSpace(string Node, IReadOnlyList<string> Storages) : INodeCommand;

public sealed record NodeStorageSpaces(IReadOnlyList<Domain.Cluster.StorageSpace> Storages);

/// <summary>→ <see cref="NodeStorageContent"/>: a storage's volumes (of one VM), with their files' change times.</summary>
public sealed record ListNodeStorageContent(string Node, string Storage, int? VmId) : INodeCommand;

public sealed record NodeStorageContent(IReadOnlyList<Domain.Cluster.StorageVolume> Volumes);
/// <summary>
/// A guest agent command (guest-ping, guest-network-get-interfaces) on a running VM → <see cref="NodeGuestAgent"/>.
/// </summary>
public sealed record QueryNodeGuestAgent(string Node, int VmId, string Command, TimeSpan Timeout) : INodeCommand;

/// <summary>The agent's <c>return</c> as JSON, or <paramref name="Json"/> null when no agent answered.</summary>
public sealed record NodeGuestAgent(string? Json);


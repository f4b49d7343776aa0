using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows;

/// <summary>What a step returned.</summary>
public abstract record StepResult;

public sealed record Done : StepResult
{
    public static readonly Done Instance = new();
}

public sealed record VmFacts(VmRecordView Vm, VmRuntime Runtime) : StepResult;

/// <summary>
/// Everything the migration checks need, read at prepare time
/// (<paramref name="SourceVolumes"/>: the VM's local volumes as the source's storage driver sees them).
/// </summary>
public sealed record MigrationFacts(
    VmRecordView Vm,
    VmRuntime Runtime,
    NodeFacts Source,
    NodeFacts? Target,
    IReadOnlyList<string> ClusterNodes,
    string StorageConfigText,
    IReadOnlyList<string> TargetVolumes,
    IReadOnlyList<VolumeInfo>? SourceVolumes = null) : StepResult;

public sealed record VmStarted(VmRuntime Runtime) : StepResult;

public sealed record MirrorsPolled(IReadOnlyList<BlockJobInfo> Jobs) : StepResult;

public sealed record MigrationPolled(MigrationProgress Progress) : StepResult;

public sealed record ConntrackMoved(int Count) : StepResult;

public sealed record CopyProgressed(long DoneBytes, long TotalBytes) : StepResult;

/// <summary>A volume a step created or converted, as qemu-img info sees it afterwards.</summary>
public sealed record VolumeReady(VolumeInfo Volume) : StepResult;

public sealed record CloneFacts(VmRecordView Source, VmRuntime Runtime, VmRecordView NewVm, IReadOnlyList<string> ExistingVolumes,
    string StorageConfigText) : StepResult;

/// <summary>What a <see cref="DeleteVolumes"/> that goes on past failures could not remove.</summary>
public sealed record VolumesDeleted(IReadOnlyList<VolumeDeleteFailure> Failed) : StepResult;

public sealed record VolumeDeleteFailure(string Volid, string Error);

/// <summary>A node's lease as the journal database saw it: <paramref name="Held"/> false when no member holds it.</summary>
public sealed record NodeFenceFacts(string Node, bool Held, bool Expired, DateTimeOffset? ExpiresAt, DateTimeOffset DbNow) : StepResult;

/// <summary>
/// The queue's answer to <see cref="AcquireSlot"/>: granted, or still waiting with <paramref name="Ahead"/> entries before it
/// (null: the queue did not answer), or refused (the target went into maintenance).
/// </summary>
public sealed record SlotPolled(bool Granted, int? Ahead, string? Refused = null) : StepResult;

/// <summary>What a disk move reads first: the VM, its runtime, the disk's volume (null: unreadable) and the VM's volumes.</summary>
public sealed record MoveDiskFacts(VmRecordView Vm, VmRuntime Runtime, VolumeInfo? Source, IReadOnlyList<string> ExistingVolumes,
    string StorageConfigText) : StepResult;

/// <summary>After a pivot or cancel of a drive's mirror: whether the running VM's drive now writes the new volume.</summary>
public sealed record DriveSwitched(bool OnTarget) : StepResult;

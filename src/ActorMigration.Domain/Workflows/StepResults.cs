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

public sealed record VmFacts(VmSnapshot Vm, VmRuntime Runtime) : StepResult;

/// <summary>Everything the migration checks need, read at prepare time.</summary>
public sealed record MigrationFacts(
    VmSnapshot Vm,
    VmRuntime Runtime,
    NodeFacts Source,
    NodeFacts? Target,
    IReadOnlyList<string> ClusterNodes,
    string StorageConfigText,
    IReadOnlyList<string> TargetVolumes) : StepResult;

public sealed record VmStarted(VmRuntime Runtime) : StepResult;

public sealed record MirrorsPolled(IReadOnlyList<BlockJobInfo> Jobs) : StepResult;

public sealed record MigrationPolled(MigrationProgress Progress) : StepResult;

public sealed record ConntrackMoved(int Count) : StepResult;

public sealed record CopyProgressed(long DoneBytes, long TotalBytes) : StepResult;

/// <summary>A volume a step created or converted, as qemu-img info sees it afterwards.</summary>
public sealed record VolumeReady(VolumeInfo Volume) : StepResult;

public sealed record CloneFacts(VmSnapshot Source, VmRuntime Runtime, VmSnapshot NewVm, IReadOnlyList<string> ExistingVolumes,
    string StorageConfigText) : StepResult;

using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Domain.Workflows.Bulk;

/// <summary>Reads the guests on <paramref name="Node"/> (only <paramref name="Vms"/> when set) and makes a fresh child UPID for each.</summary>
public sealed record GatherBulkFacts(string Key, string Node, IReadOnlyList<int>? Vms, string User) : WorkflowStep(Key);

/// <summary>Reads what an evacuation round plans from: the node's VMs, every node's capacity and VMs, HA groups, maintenance.</summary>
public sealed record GatherEvacuationFacts(string Key, string Node, string User) : WorkflowStep(Key);

/// <summary>A child task to start: its UPID, its migration and the queue slot it waits for.</summary>
public sealed record ChildStart(string Upid, MigrationRequest Request, MigrationSlot Slot);

/// <summary>Starts the children through the task router (a start of a UPID that already started is answered without starting it again).</summary>
public sealed record StartChildTasks(string Key, IReadOnlyList<ChildStart> Children) : WorkflowStep(Key);

/// <summary>Polls the children's status; answers the ended ones.</summary>
public sealed record AwaitTasks(string Key, IReadOnlyList<string> Upids) : WorkflowStep(Key)
{
    public override TimeSpan Delay => TimeSpan.FromSeconds(1);
}

/// <summary>Aborts the children that still wait in the queue (running ones finish, as Proxmox's started workers do).</summary>
public sealed record AbortTasks(string Key, IReadOnlyList<string> Upids) : WorkflowStep(Key);

/// <summary>Answers whether a member that hosts the node is up; polled until it is.</summary>
public sealed record AwaitNodeOnline(string Key, string Node) : WorkflowStep(Key)
{
    public override TimeSpan Delay => TimeSpan.FromSeconds(1);
}

/// <summary>A guest as a bulk action sees it: config, runtime, lock and the fresh UPID its migration would get.</summary>
public sealed record BulkVm(int VmId, string ConfigText, bool Running, string? Lock, string ChildUpid);

public sealed record BulkFacts(IReadOnlyList<BulkVm> Vms, string StorageConfigText) : StepResult;

/// <summary>A child's start: null <paramref name="Error"/> when accepted.</summary>
public sealed record ChildStarted(string Upid, string? Error);

public sealed record TasksStarted(IReadOnlyList<ChildStarted> Children) : StepResult;

/// <summary>A child that has ended, with its exit status.</summary>
public sealed record ChildEnded(string Upid, string ExitStatus);

public sealed record TasksPolled(IReadOnlyList<ChildEnded> Ended) : StepResult;

public sealed record NodeOnlinePolled(bool Online) : StepResult;

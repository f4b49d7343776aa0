namespace ActorMigration.Domain.Vms;

/// <summary>Persisted events of a VM record.</summary>
public interface IVmEvent
{
    int VmId { get; }
}

public sealed record VmCreated(int VmId, string Node, string ConfigText) : IVmEvent;

public sealed record VmConfigReplaced(int VmId, string ConfigText) : IVmEvent;

public sealed record VmLocked(int VmId, string Lock, string Owner) : IVmEvent;

public sealed record VmUnlocked(int VmId, string Owner) : IVmEvent;

public sealed record VmOwnerMoved(int VmId, string From, string To, string ConfigText) : IVmEvent;

public sealed record VmDestroyed(int VmId, string Node) : IVmEvent;

public sealed record VmLinkedCloneAdded(int VmId, int Child) : IVmEvent;

public sealed record VmLinkedCloneRemoved(int VmId, int Child) : IVmEvent;

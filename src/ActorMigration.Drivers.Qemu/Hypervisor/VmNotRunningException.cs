namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>The VM has no live QEMU process on this node.</summary>
public sealed class VmNotRunningException(int vmid, string node)
    : InvalidOperationException($"VM {vmid} is not running on node {node}")
{
    public int VmId { get; } = vmid;
    public string Node { get; } = node;
}

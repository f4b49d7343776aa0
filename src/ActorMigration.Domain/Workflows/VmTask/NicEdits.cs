namespace ActorMigration.Domain.Workflows.VmTask;

/// <summary>
/// Plugs NIC <paramref name="Nic"/> of the config (value <paramref name="Value"/>) into the running VM, as qemu-server's
/// vm_deviceplug for netN: the netdev (a tap plugged into its bridge, or user-mode), then the device with the config's
/// MAC. Idempotent: what is plugged already is skipped; a VM that does not run needs nothing.
/// </summary>
public sealed record HotplugNic(string Key, string Node, int VmId, string Nic, string Value) : WorkflowStep(Key);

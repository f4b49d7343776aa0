namespace ActorMigration.Domain.Vms;

/// <summary>Commands to the VM record of one vmid (what Proxmox keeps in /etc/pve).</summary>
public interface IVmCommand
{
    int VmId { get; }
}

public sealed record GetVm(int VmId) : IVmCommand;

/// <summary>Creates the record. With <paramref name="Lock"/> it is created locked by <paramref name="Owner"/>.</summary>
public sealed record CreateVm(int VmId, string Node, string ConfigText, string? Lock = null, string? Owner = null) : IVmCommand;

/// <summary>
/// Sets and deletes options (already validated). <paramref name="Node"/> must be the owner. <paramref name="Mode"/>
/// says how (<see cref="ConfigEditMode"/>); <paramref name="Force"/> marks the deletes forced in the pending list.
/// </summary>
public sealed record EditVmConfig(
    int VmId,
    string Node,
    IReadOnlyDictionary<string, string> Set,
    IReadOnlyList<string> Delete,
    string? Digest = null,
    string? Owner = null,
    bool SkipLock = false,
    ConfigEditMode Mode = ConfigEditMode.Direct,
    bool Force = false) : IVmCommand;

/// <summary>How an <see cref="EditVmConfig"/> writes (qemu-server's update_vm_api and vm_start).</summary>
public enum ConfigEditMode
{
    /// <summary>Written as given into the current config (internal edits such as a resize's new size).</summary>
    Direct,
    /// <summary>A user's edit of a stopped VM: through [PENDING], then everything pending applied.</summary>
    Stopped,
    /// <summary>A user's edit of a running VM: through [PENDING], then what can be applied live (fast-plug, hotplug).</summary>
    Running,
    /// <summary>The start of a VM: everything pending applied (vmconfig_apply_pending); Set and Delete are empty.</summary>
    ApplyPending,
}

/// <summary>
/// The VM's cloud-init image was written from a config whose <c>[special:cloudinit]</c> section was
/// <paramref name="SectionText"/> (CloudInitChanges.Text): the section goes unless it changed since. No lock is
/// checked (Proxmox generates at start under the start's own lock): it drops only what the image now holds.
/// </summary>
public sealed record MarkCloudInitGenerated(int VmId, string Node, string SectionText) : IVmCommand;

/// <summary>Replaces the whole config; only the lock owner may do it.</summary>
public sealed record ReplaceVmConfig(int VmId, string ConfigText, string Owner) : IVmCommand;

/// <summary>Takes the lock. Idempotent for the same owner. <paramref name="Node"/> (if given) must be the VM's node.</summary>
public sealed record AcquireVmLock(int VmId, string Lock, string Owner, string? Node = null) : IVmCommand;

/// <summary>Releases the lock held by <paramref name="Owner"/>. Not held by it: no-op.</summary>
public sealed record ReleaseVmLock(int VmId, string Owner) : IVmCommand;

/// <summary>The point of no return of a migration: the record moves to <paramref name="To"/> with its new config.</summary>
public sealed record MoveVmOwner(int VmId, string From, string To, string ConfigText, string Owner) : IVmCommand;

/// <summary>Removes the record. Refused while linked clones exist.</summary>
public sealed record DestroyVm(int VmId, string Node, string? Owner = null) : IVmCommand;

public sealed record AddLinkedClone(int VmId, int Child) : IVmCommand;

public sealed record RemoveLinkedClone(int VmId, int Child) : IVmCommand;

/// <summary>Reply of the VM record: the state after the command, or a refusal in Proxmox wording.</summary>
public sealed record VmReply(VmRecordView? Vm, string? Error)
{
    public bool Ok => Error is null;
    public static VmReply Success(VmRecordView vm) => new(vm, null);
    public static VmReply Refused(string error) => new(null, error);
}

/// <summary>The record as its actor holds it. <paramref name="Error"/>: what of it cannot be read (<see cref="VmState.Error"/>).</summary>
public sealed record VmRecordView(
    int VmId,
    bool Exists,
    string? Node,
    string ConfigText,
    string? Lock,
    string? LockOwner,
    IReadOnlyList<int> LinkedClones,
    string Digest,
    string? Error = null);

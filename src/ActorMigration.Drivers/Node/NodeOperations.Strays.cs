using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Drivers.Node;

/// <summary>The record of a VM as the stray check needs it: its node, and whether a workflow holds its lock.</summary>
public sealed record VmOwnership(string? Node, bool Locked);

/// <summary>What a node does with the VMs it re-adopts after its member restarted.</summary>
public sealed partial class NodeOperations
{
    /// <summary>
    /// A re-adopted VM that waits for a workflow (incoming, paused, post-migrate) while its record belongs to another node
    /// (or to none) is stopped, never resumed: the workflow that started it gave up or moved the VM elsewhere. While a
    /// workflow holds the record's lock it may still move the VM here, so such a VM is only reported as undecided.
    /// A running VM whose unlocked record belongs to another node is stopped too, never resumed: it was recovered there
    /// (HA) while this node was fenced, and only the record's copy may run. A running VM without a record is left alone.
    /// A migrated-away source (post-migrate) whose unlocked record is still here is resumed: its migration rolled back
    /// while this node was down, and the rollback's resume could not reach it.
    /// <paramref name="recordOf"/> answers the record; an error there is thrown.
    /// </summary>
    public async Task<StrayCheck> StopStrays(string node, IEnumerable<int> vmids, Func<int, Task<VmOwnership>> recordOf,
        CancellationToken ct = default)
    {
        var done = new List<(int, string?)>();
        var undecided = new List<int>();
        foreach (var vmid in vmids)
        {
            var vm = await Hypervisor.GetAsync(vmid, ct);
            if (!vm.IsAlive) continue;
            var record = await recordOf(vmid);
            if (vm.State == VmRunState.Running)
            {
                if (record.Node is null || record.Node == node) continue;
                if (record.Locked)
                {
                    undecided.Add(vmid);
                    continue;
                }
                await Hypervisor.StopAsync(vmid, ct);
                done.Add((vmid, $"stopped: it ran here while its record is on {record.Node}"));
                continue;
            }
            if (record.Locked)
            {
                if (record.Node != node || vm.State == VmRunState.PostMigrate) undecided.Add(vmid);
                continue;
            }
            if (record.Node == node)
            {
                if (vm.State != VmRunState.PostMigrate) continue;
                await Hypervisor.ResumeAsync(vmid, ct);
                done.Add((vmid, "resumed"));
                continue;
            }
            await Hypervisor.StopAsync(vmid, ct);
            done.Add((vmid, $"stopped: its record is on {record.Node ?? "no node"}"));
        }
        return new StrayCheck(done, undecided);
    }

    /// <summary>
    /// Disk images on this node's local (unshared) <paramref name="storages"/> of a VM whose record is on another node:
    /// left by a migration that could not clean up while this node was down (its target volumes after a rollback, its
    /// source volumes after the move). Removed unless a workflow holds the record's lock (then undecided); volumes of a
    /// VM without a record are left alone. Run after <see cref="StopStrays"/>, so no stray VM uses them.
    /// </summary>
    public async Task<StrayCheck> RemoveLeftoverVolumes(string node, IEnumerable<string> storages, Func<int, Task<VmOwnership>> recordOf,
        CancellationToken ct = default)
    {
        var removed = new List<(int, string?)>();
        var undecided = new List<int>();
        var records = new Dictionary<int, VmOwnership>();
        foreach (var storage in storages)
        {
            foreach (var volume in await Storage.ListAsync(storage, null, ct))
            {
                if (!VolumeName.TryParse(volume.VolId, out var name, out _) || name!.VType != "images" || name.VmId is not { } vmid) continue;
                if (!records.TryGetValue(vmid, out var record)) records[vmid] = record = await recordOf(vmid);
                if (record.Node is null || record.Node == node) continue;
                if (record.Locked)
                {
                    if (!undecided.Contains(vmid)) undecided.Add(vmid);
                    continue;
                }
                await Storage.DeleteAsync(volume.VolId, ct);
                removed.Add((vmid, volume.VolId));
            }
        }
        return new StrayCheck(removed, undecided);
    }
}

/// <summary>
/// What a stray check did (<see cref="NodeOperations.StopStrays"/>: each VM stopped with its record's node;
/// <see cref="NodeOperations.RemoveLeftoverVolumes"/>: each volume removed) and the VMs it must ask about again.
/// </summary>
public sealed record StrayCheck(IReadOnlyList<(int VmId, string? Detail)> Done, IReadOnlyList<int> Undecided);

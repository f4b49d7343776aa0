using ActorMigration.Domain.Hypervisor;

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
    /// Running VMs are left alone. <paramref name="recordOf"/> answers the record; an error there is thrown.
    /// </summary>
    public async Task<StrayCheck> StopStrays(string node, IEnumerable<int> vmids, Func<int, Task<VmOwnership>> recordOf,
        CancellationToken ct = default)
    {
        var stopped = new List<(int, string?)>();
        var undecided = new List<int>();
        foreach (var vmid in vmids)
        {
            if (!Waiting(await Hypervisor.GetAsync(vmid, ct))) continue;
            var record = await recordOf(vmid);
            if (record.Node == node) continue;
            if (record.Locked)
            {
                undecided.Add(vmid);
                continue;
            }
            await Hypervisor.StopAsync(vmid, ct);
            stopped.Add((vmid, record.Node));
        }
        return new StrayCheck(stopped, undecided);
    }

    /// <summary>Alive but not running: incoming, paused, post-migrate.</summary>
    public static bool Waiting(VmRuntime vm) => vm.IsAlive && vm.State != VmRunState.Running;
}

/// <summary>The VMs <see cref="NodeOperations.StopStrays"/> stopped (with their record's node) and those it must ask again.</summary>
public sealed record StrayCheck(IReadOnlyList<(int VmId, string? Owner)> Stopped, IReadOnlyList<int> Undecided);

using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Snapshot;
using ActorMigration.Drivers.Abstractions;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Snapshots of a running simulated VM: the node's storage takes them as it does for a stopped VM.</summary>
public sealed partial class SimulatedHypervisorDriver
{
    /// <summary>The node's storage (set by <see cref="SimulatedNodeDriver"/>); without it running snapshots are refused.</summary>
    internal IStorageDriver? Storage { get; set; }

    public async Task SnapshotDrivesAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, string? vmStateDrive, CancellationToken ct = default)
    {
        var storage = await RunningStorage(vmid, ct);
        foreach (var d in drives) await storage.SnapshotCreateAsync(d.Volid, name, ct);
        if (vmStateDrive is not null) await Mutate(vmid, vm => vm.SavedStates.Add(name), ct);
        _log.LogInformation("Node {Node}: snapshot {Snapshot} of running simulated VM {VmId} ({Drives} drives, RAM state {VmState})", Node, name,
            vmid, drives.Count, vmStateDrive ?? "none");
    }

    public async Task DeleteDriveSnapshotsAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, CancellationToken ct = default)
    {
        var storage = await RunningStorage(vmid, ct);
        foreach (var d in drives) await storage.SnapshotDeleteAsync(d.Volid, name, ct);
        await Mutate(vmid, vm => vm.SavedStates.Remove(name), ct);
    }

    private async Task<IStorageDriver> RunningStorage(int vmid, CancellationToken ct)
    {
        if ((await GetAsync(vmid, ct)).State is not (VmRunState.Running or VmRunState.Paused))
            throw new InvalidOperationException($"VM {vmid} not running");
        return Storage ?? throw new InvalidOperationException("snapshots of a running VM need the node's storage driver");
    }
}

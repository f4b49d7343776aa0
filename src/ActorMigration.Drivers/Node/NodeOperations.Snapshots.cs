using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Snapshot;

namespace ActorMigration.Drivers.Node;

/// <summary>Internal snapshots of a running VM's drives (QMP), with their re-check.</summary>
public sealed partial class NodeOperations
{
    /// <summary>
    /// Create: the drives without the snapshot get it (a RAM-state snapshot is all or nothing: a partial one is removed
    /// and taken again). Delete: the drives that still have it lose it. Done already: nothing happens.
    /// </summary>
    public async Task<StepResult> SnapshotRunningVm(SnapshotRunningVm s, CancellationToken ct = default)
    {
        var has = new List<SnapshotDrive>();
        foreach (var d in s.Drives)
            if ((await Storage.InfoAsync(d.Volid, ct) ?? throw Missing(d.Volid)).Snapshots?.Contains(s.Name) == true)
                has.Add(d);
        switch (s.Action)
        {
            case "create" when has.Count == s.Drives.Count:
                break;
            case "create" when s.VmStateDrive is not null:
                if (has.Count > 0) await Hypervisor.DeleteDriveSnapshotsAsync(s.VmId, has, s.Name, ct);
                await Hypervisor.SnapshotDrivesAsync(s.VmId, s.Drives, s.Name, s.VmStateDrive, ct);
                break;
            case "create":
                await Hypervisor.SnapshotDrivesAsync(s.VmId, s.Drives.Except(has).ToList(), s.Name, null, ct);
                break;
            case "delete":
                if (has.Count > 0) await Hypervisor.DeleteDriveSnapshotsAsync(s.VmId, has, s.Name, ct);
                break;
            default:
                throw new InvalidOperationException($"unknown snapshot action '{s.Action}' for a running VM");
        }
        return Done.Instance;
    }
}

using ActorMigration.Domain.Workflows;

namespace ActorMigration.Drivers.Node;

/// <summary>
/// The end of a disk move's mirror, each re-checking reality once: the drive's current file (query-block) tells whether
/// a pivot was done already (by a crashed attempt), the block jobs whether a mirror still runs.
/// </summary>
public sealed partial class NodeOperations
{
    /// <summary>Pivots once: a drive already on the new volume is done; no mirror job left means the VM stayed on the old one.</summary>
    public async Task<StepResult> PivotMirror(PivotMirror s, CancellationToken ct = default)
    {
        var target = await TargetPath(s.DstVolid, ct);
        if (await OnVolume(s.VmId, s.Drive, target, ct)) return new DriveSwitched(true);
        if (JobOf(await Hypervisor.QueryBlockJobsAsync(s.VmId, ct), s.Drive) is not { } job) return new DriveSwitched(false);
        if (!job.Ready) throw new InvalidOperationException($"mirror {job.Device} of VM {s.VmId} is not ready ({job.Offset}/{job.Length})");
        await Hypervisor.FinishMirrorAsync(s.VmId, s.Drive, pivot: true, ct);
        return new DriveSwitched(await OnVolume(s.VmId, s.Drive, target, ct));
    }

    /// <summary>Cancels the mirror if one runs, unless the drive already writes the new volume (then that is the answer).</summary>
    public async Task<StepResult> CancelMirror(CancelMirror s, CancellationToken ct = default)
    {
        var info = await Storage.InfoAsync(s.DstVolid, ct);
        if (info is not null && await OnVolume(s.VmId, s.Drive, info.Path, ct)) return new DriveSwitched(true);
        if (JobOf(await Hypervisor.QueryBlockJobsAsync(s.VmId, ct), s.Drive) is not null)
            await Hypervisor.FinishMirrorAsync(s.VmId, s.Drive, pivot: false, ct);
        return new DriveSwitched(false);
    }

    private async Task<string> TargetPath(string volid, CancellationToken ct) => (await Storage.InfoAsync(volid, ct) ?? throw Missing(volid)).Path;

    private async Task<bool> OnVolume(int vmid, string drive, string path, CancellationToken ct) =>
        await Hypervisor.DriveFileAsync(vmid, drive, ct) is { } file && Path.GetFullPath(file) == Path.GetFullPath(path);
}

using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Node;

/// <summary>Volumes of this node: allocation, removal, renames, internal snapshots, conversions and backup archives.</summary>
public sealed partial class NodeOperations
{
    public async Task<StepResult> AllocateVolumes(AllocateVolumes s, CancellationToken ct = default)
    {
        await CreateVolumes(s.Volumes, replaceExisting: false, ct);
        return Done.Instance;
    }

    /// <summary>
    /// Removes the volumes (a missing one is no error). With <see cref="DeleteVolumes.GoOnPastFailures"/> every volume
    /// is tried and the failures, host paths redacted, are the answer.
    /// </summary>
    public async Task<StepResult> DeleteVolumes(DeleteVolumes s, CancellationToken ct = default)
    {
        if (!s.GoOnPastFailures)
        {
            foreach (var v in s.Volids) await Storage.DeleteAsync(v, ct);
            return Done.Instance;
        }
        var failed = new List<VolumeDeleteFailure>();
        foreach (var volid in s.Volids)
        {
            try
            {
                await Storage.DeleteAsync(volid, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed.Add(new VolumeDeleteFailure(volid, HostPaths.Redact(e.GetBaseException().Message, driver.Settings)));
            }
        }
        return new VolumesDeleted(failed);
    }

    /// <summary>Renames and sets the read-only flag; done already when only the new name exists. From == To only sets the flag.</summary>
    public async Task<StepResult> RenameVolume(RenameVolume s, CancellationToken ct = default)
    {
        if (s.From == s.To && await Storage.InfoAsync(s.To, ct) is null) throw Missing(s.To);
        if (s.From != s.To && await Storage.InfoAsync(s.From, ct) is not null)
            await Storage.RenameAsync(s.From, s.To, ct);
        else if (await Storage.InfoAsync(s.To, ct) is null)
            throw Missing(s.From);
        await Storage.SetReadOnlyAsync(s.To, s.ReadOnly, ct);
        return Done.Instance;
    }

    /// <summary>Creating an existing snapshot or deleting a missing one does nothing; a rollback needs the snapshot.</summary>
    public async Task<StepResult> SnapshotVolumes(SnapshotVolumes s, CancellationToken ct = default)
    {
        foreach (var volid in s.Volids)
        {
            var info = await Storage.InfoAsync(volid, ct) ?? throw Missing(volid);
            var has = info.Snapshots?.Contains(s.Name) == true;
            switch (s.Action)
            {
                case "create" when !has:
                    await Storage.SnapshotCreateAsync(volid, s.Name, ct);
                    break;
                case "rollback":
                    if (!has) throw new InvalidOperationException($"snapshot '{s.Name}' does not exist on '{volid}'");
                    await Storage.SnapshotRollbackAsync(volid, s.Name, ct);
                    break;
                case "delete" when has:
                    await Storage.SnapshotDeleteAsync(volid, s.Name, ct);
                    break;
                case "create" or "delete":
                    break;
                default:
                    throw new InvalidOperationException($"unknown snapshot action '{s.Action}'");
            }
        }
        return Done.Instance;
    }

    /// <summary>qemu-img convert into a fresh target (what a crashed attempt left is removed first), then its info.</summary>
    public async Task<StepResult> ConvertDisk(ConvertDisk s, IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        await Storage.DeleteAsync(s.DstVolid, ct);
        await Storage.ConvertAsync(s.SrcVolid, s.DstVolid, s.Format, s.Snapshot, s.BwLimitKiB, progress, ct);
        return await Written(s.DstVolid, ct);
    }

    /// <summary>
    /// Writes the archive afresh (a crashed attempt's leftover is removed first). Live: a backup job left by that attempt
    /// is cancelled, the drives are copied by QEMU into fresh temporary volumes (the guest paused meanwhile with
    /// Suspend, and resumed whatever happens), the archive is written from those, and they go.
    /// </summary>
    public async Task<StepResult> BackupVm(BackupVm s, IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        await Storage.DeleteAsync(s.ArchiveVolid, ct);
        if (!s.Live)
        {
            await Storage.CreateBackupAsync(s.ArchiveVolid, s.ConfigText, s.Disks.Select(d => (d.Drive, d.Volid)).ToList(), progress, ct);
            return Done.Instance;
        }
        foreach (var job in (await Hypervisor.QueryBlockJobsAsync(s.VmId, ct)).Where(j => j.Device.StartsWith("vzdump-", StringComparison.Ordinal)))
            await Hypervisor.FinishMirrorAsync(s.VmId, job.Device, pivot: false, ct);
        var temps = s.Disks.Select(d => (d.Drive, d.Volid, Temp: Domain.Workflows.BackupVm.TempOf(s.VmId, d))).ToList();
        try
        {
            var targets = new List<DriveBackupTarget>();
            foreach (var (drive, volid, temp) in temps)
            {
                await Storage.DeleteAsync(temp, ct);
                var size = (await Storage.InfoAsync(volid, ct) ?? throw Missing(volid)).VirtualSize;
                targets.Add(new DriveBackupTarget(drive, (await Storage.CreateAsync(temp, "qcow2", size, null, ct)).Path));
            }
            if (s.Suspend) await Hypervisor.PauseAsync(s.VmId, ct);
            try
            {
                await Hypervisor.BackupDrivesAsync(s.VmId, targets, progress, ct);
            }
            finally
            {
                if (s.Suspend) await Hypervisor.ResumeAsync(s.VmId, CancellationToken.None);
            }
            await Storage.CreateBackupAsync(s.ArchiveVolid, s.ConfigText, temps.Select(t => (t.Drive, t.Temp)).ToList(), progress, ct);
        }
        finally
        {
            foreach (var t in temps) await Storage.DeleteAsync(t.Temp, CancellationToken.None);
        }
        return Done.Instance;
    }

    /// <summary>Restores a drive into a fresh volume (a crashed attempt's leftover is removed first), then its info.</summary>
    public async Task<StepResult> RestoreDisk(RestoreDisk s, IProgress<CopyProgress>? progress = null, CancellationToken ct = default)
    {
        await Storage.DeleteAsync(s.DstVolid, ct);
        await Storage.RestoreDiskAsync(s.ArchiveVolid, s.Drive, s.DstVolid, s.Format, progress, ct);
        return await Written(s.DstVolid, ct);
    }

    /// <summary>A volume a step just wrote, as qemu-img info sees it.</summary>
    private async Task<VolumeReady> Written(string volid, CancellationToken ct) =>
        new(await Storage.InfoAsync(volid, ct) ?? throw new InvalidOperationException($"volume '{volid}' missing after it was written"));
}

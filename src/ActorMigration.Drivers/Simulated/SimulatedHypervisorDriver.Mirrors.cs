using ActorMigration.Domain.Hypervisor;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Simulated drive mirrors and the NBD server of incoming VMs.</summary>
public sealed partial class SimulatedHypervisorDriver
{
    public Task StartMirrorAsync(int vmid, string drive, MirrorTarget target, CancellationToken ct = default) =>
        Mutate(vmid, vm =>
        {
            // QEMU itself refuses a job id in use.
            if (vm.BlockJobs.ContainsKey(drive))
                throw new InvalidOperationException($"VM {vmid}: block job for {drive} already exists");
            var disk = vm.Disks.FirstOrDefault(d => d.Drive == drive && !d.Cdrom)
                       ?? throw new ArgumentException($"VM {vmid} has no drive {drive}");
            var length = disk.SizeBytes > 0 ? disk.SizeBytes
                : disk.Path is not null && File.Exists(disk.Path) ? new FileInfo(disk.Path).Length : 0;
            var local = Path.IsPathRooted(target.Target);
            double bw = local ? _options.DiskBandwidthBytesPerSec : _options.LinkBandwidth(Node, SimUris.TargetHost(target.Target));
            if (target.BandwidthBytesPerSec is > 0 and var max) bw = Math.Min(bw, max);
            vm.BlockJobs[drive] = new SimBlockJobState
            {
                Drive = drive,
                Target = target.Target,
                Format = target.Format,
                Length = length,
                BandwidthBytesPerSec = bw,
                Instant = _options.InstantCopy,
                StartedAt = _clock.Now,
                SpeedFactor = _options.SpeedFactor,
                Fail = _faults.TryFire(FaultPhase.Mirror, Node, vmid) is not null
            };
            _log.LogInformation("Node {Node}: VM {VmId} drive-mirror {Drive} to {Target} ({Length} bytes)", Node, vmid, drive, target.Target, length);
        }, ct);

    public Task<IReadOnlyList<BlockJobInfo>> QueryBlockJobsAsync(int vmid, CancellationToken ct = default)
    {
        IReadOnlyList<BlockJobInfo> jobs = Load(vmid) is { } vm
            ? vm.BlockJobs.Values.OrderBy(j => j.Drive).Select(JobInfo).ToList()
            : [];
        return Task.FromResult(jobs);
    }

    public async Task FinishMirrorAsync(int vmid, string drive, bool pivot, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            // As QEMU answers block-job-complete/cancel: no such job, or a job that cannot be completed, is an error.
            var vm = Load(vmid) ?? throw new InvalidOperationException($"VM {vmid} not running");
            if (!vm.BlockJobs.TryGetValue(drive, out var job)) throw new InvalidOperationException($"Block job '{drive}' not found");
            if (pivot)
            {
                var info = JobInfo(job);
                if (info.Error is not null) throw new InvalidOperationException($"block job {drive} failed: {info.Error}");
                if (!info.Ready) throw new InvalidOperationException($"The active block job '{drive}' cannot be completed");
                if (Path.IsPathRooted(job.Target) && vm.Disks.FirstOrDefault(d => d.Drive == drive) is { } disk)
                {
                    if (!File.Exists(job.Target))
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(job.Target)!);
                        using var fs = new FileStream(job.Target, FileMode.CreateNew);
                        fs.SetLength(job.Length);
                    }
                    disk.Path = job.Target;
                    disk.Format = job.Format;
                }
            }
            vm.BlockJobs.Remove(drive);
            Save(vm);
        }
        finally
        {
            _gate.Release();
        }
        _log.LogInformation("Node {Node}: VM {VmId} mirror {Drive} finished (pivot {Pivot})", Node, vmid, drive, pivot);
    }

    /// <summary>vzdump of a running VM: the drives must exist and the targets be allocated; the copy itself is instant.</summary>
    public Task BackupDrivesAsync(int vmid, IReadOnlyList<Abstractions.DriveBackupTarget> targets, IProgress<CopyProgress>? progress = null,
        CancellationToken ct = default)
    {
        var vm = Load(vmid) ?? throw new InvalidOperationException($"VM {vmid} not running");
        long total = 0;
        foreach (var t in targets)
        {
            var disk = vm.Disks.FirstOrDefault(d => d.Drive == t.Drive && !d.Cdrom)
                       ?? throw new InvalidOperationException($"Cannot find device='{QemuDriveNode(t.Drive)}' nor node-name='{QemuDriveNode(t.Drive)}'");
            if (!File.Exists(t.Path)) throw new InvalidOperationException($"Could not open '{t.Path}': No such file or directory");
            total += disk.SizeBytes;
        }
        progress?.Report(new CopyProgress(total, total));
        _log.LogInformation("Node {Node}: VM {VmId} backup jobs of {Count} drives done", Node, vmid, targets.Count);
        return Task.CompletedTask;
    }

    private static string QemuDriveNode(string drive) => "drive-" + drive;

    public Task StopNbdServerAsync(int vmid, CancellationToken ct = default) =>
        Mutate(vmid, vm =>
        {
            vm.NbdPort = null;
            vm.NbdUri = null;
            vm.NbdDrives.Clear();
        }, ct, missingOk: true);
}

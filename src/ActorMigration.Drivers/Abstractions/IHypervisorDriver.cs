using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Snapshot;

namespace ActorMigration.Drivers.Abstractions;

/// <summary>
/// QEMU processes of one hypervisor node; VMs outlive the member process. Migration and mirror methods are
/// primitives: they do what they are told without asking first whether it was done already. That re-check is
/// made once, in <see cref="Node.NodeOperations"/>.
/// </summary>
public interface IHypervisorDriver
{
    string Node { get; }

    /// <summary>Re-adopts VMs left running by an earlier member process and returns all live VMs.</summary>
    Task<IReadOnlyList<VmRuntime>> DiscoverAsync(CancellationToken ct = default);

    /// <summary>Current state; <see cref="VmRunState.Stopped"/> when no process exists.</summary>
    Task<VmRuntime> GetAsync(int vmid, CancellationToken ct = default);

    /// <summary>
    /// Starts the VM. With <see cref="VmLaunchSpec.Incoming"/> it waits for a migration, paused, and
    /// the result carries <see cref="VmRuntime.IncomingUri"/> (and <see cref="VmRuntime.NbdUri"/> for NBD drives).
    /// If the VM already runs with the same <see cref="VmLaunchSpec.Tag"/>, returns it unchanged.
    /// </summary>
    Task<VmRuntime> StartAsync(VmLaunchSpec spec, CancellationToken ct = default);

    /// <summary>Stops the process hard (QMP quit, then kill). No process: no-op.</summary>
    Task StopAsync(int vmid, CancellationToken ct = default);

    /// <summary>Graceful shutdown within the timeout, then hard stop.</summary>
    Task ShutdownAsync(int vmid, TimeSpan timeout, CancellationToken ct = default);

    Task PauseAsync(int vmid, CancellationToken ct = default);

    /// <summary>QMP cont. Already running: no-op.</summary>
    Task ResumeAsync(int vmid, CancellationToken ct = default);

    /// <summary>
    /// Sets the migration capabilities and parameters and starts the outgoing migration, without asking whether one
    /// runs (QEMU refuses a second one).
    /// </summary>
    Task StartMigrationAsync(int vmid, MigrationStartSpec spec, CancellationToken ct = default);

    /// <summary>query-migrate: the outgoing migration's progress; <see cref="MigrationState.None"/> before the first one.</summary>
    Task<MigrationProgress> QueryMigrationAsync(int vmid, CancellationToken ct = default);

    /// <summary>
    /// The outgoing migration's progress once it ended or after <paramref name="maxWait"/>, whichever is first.
    /// A driver that hears of the end (QEMU's MIGRATION event) answers at once; by default it waits the full time.
    /// </summary>
    async Task<MigrationProgress> WaitMigrationAsync(int vmid, TimeSpan maxWait, CancellationToken ct = default)
    {
        if (maxWait > TimeSpan.Zero) await Task.Delay(maxWait, ct);
        return await QueryMigrationAsync(vmid, ct);
    }

    Task CancelMigrationAsync(int vmid, CancellationToken ct = default);

    /// <summary>migrate-set-parameters on the running outgoing migration: the convergence controller's downtime and throttle.</summary>
    Task TuneMigrationAsync(int vmid, MigrationTuning tuning, CancellationToken ct = default);

    /// <summary>migrate-start-postcopy (the migration was started with <see cref="MigrationStartSpec.PostCopy"/>).</summary>
    Task StartPostcopyAsync(int vmid, CancellationToken ct = default);

    /// <summary>
    /// Starts drive-mirror of <paramref name="drive"/> (e.g. scsi0) to the target, without looking at the running jobs
    /// (a job of that drive already running is refused). Job id = drive.
    /// </summary>
    Task StartMirrorAsync(int vmid, string drive, MirrorTarget target, CancellationToken ct = default);

    /// <summary>query-block-jobs.</summary>
    Task<IReadOnlyList<BlockJobInfo>> QueryBlockJobsAsync(int vmid, CancellationToken ct = default);

    /// <summary>
    /// Ends the drive's mirror: <paramref name="pivot"/> switches to the target (block-job-complete), else cancel keeps
    /// the source; then waits until the job has ended. It does not ask first whether the job exists or is ready: the
    /// caller knows from its own query-block-jobs.
    /// </summary>
    Task FinishMirrorAsync(int vmid, string drive, bool pivot, CancellationToken ct = default);

    /// <summary>
    /// vzdump of a running VM: copies each drive, all at one point in time, into its target (an existing qcow2 file of
    /// the drive's size) while the guest runs, and waits until every copy ended. Leftover targets of the same names go first.
    /// </summary>
    Task BackupDrivesAsync(int vmid, IReadOnlyList<DriveBackupTarget> targets, IProgress<CopyProgress>? progress = null,
        CancellationToken ct = default);

    /// <summary>Target side: stops the NBD server started for an incoming migration.</summary>
    Task StopNbdServerAsync(int vmid, CancellationToken ct = default);

    /// <summary>
    /// Internal snapshots of a running VM's drives, all in one go (a QMP transaction). With <paramref name="vmStateDrive"/>
    /// the RAM state too, saved into that drive (snapshot-save job; the guest pauses meanwhile). Asks nothing first.
    /// </summary>
    Task SnapshotDrivesAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, string? vmStateDrive, CancellationToken ct = default);

    /// <summary>Deletes the internal snapshot from each drive of a running VM. Asks nothing first.</summary>
    Task DeleteDriveSnapshotsAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, CancellationToken ct = default);

    /// <summary>The running VM's block nodes and devices (hot-plug re-checks them).</summary>
    Task<VmDisks> QueryDisksAsync(int vmid, CancellationToken ct = default);

    /// <summary>blockdev-add of the disk's volume as node drive-&lt;key&gt;.</summary>
    Task AddBlockNodeAsync(int vmid, DiskLaunch disk, CancellationToken ct = default);

    /// <summary>device_add of the disk on its bus (the virtio-scsi controller scsihw0 first when the VM has none).</summary>
    Task AddDiskDeviceAsync(int vmid, DiskLaunch disk, CancellationToken ct = default);

    /// <summary>
    /// Plugs a NIC into the running VM (vm_deviceplug): its netdev (a tap into its bridge where the node has a VM
    /// namespace, else user-mode), then the device with the NIC's MAC. The device id is the NIC's name (netN), which
    /// <see cref="QueryDisksAsync"/> lists among the devices once plugged.
    /// </summary>
    Task AddNicAsync(int vmid, NicLaunch nic, CancellationToken ct = default);

    /// <summary>block_resize of node drive-&lt;key&gt; to <paramref name="sizeBytes"/>.</summary>
    Task BlockResizeAsync(int vmid, string drive, long sizeBytes, CancellationToken ct = default);

    /// <summary>query-vm-generation-id; null if the VM has no vmgenid device.</summary>
    Task<string?> QueryVmGenIdAsync(int vmid, CancellationToken ct = default);

    /// <summary>QMP system_reset: the guest restarts, the process stays. Asks nothing first.</summary>
    Task ResetAsync(int vmid, CancellationToken ct = default);

    /// <summary>
    /// A QEMU guest agent command (<c>guest-ping</c>, <c>guest-network-get-interfaces</c>) over the VM's agent channel: its
    /// <c>return</c> value as JSON. Throws <see cref="GuestAgentNotRunningException"/> when no agent answers within <paramref name="timeout"/>.
    /// </summary>
    Task<string> GuestAgentAsync(int vmid, string command, TimeSpan timeout, CancellationToken ct = default);

    /// <summary>Measured use of each running VM (CPU cores since the previous call, used memory); for balancing.</summary>
    Task<IReadOnlyList<Domain.Balance.VmUsage>> UsageAsync(CancellationToken ct = default);

    /// <summary>The file the running VM's drive reads and writes now (query-block); null when the VM or the drive is not there.</summary>
    Task<string?> DriveFileAsync(int vmid, string drive, CancellationToken ct = default);
}

/// <summary>Where <see cref="IHypervisorDriver.BackupDrivesAsync"/> copies a drive: a host path.</summary>
public sealed record DriveBackupTarget(string Drive, string Path);

/// <summary>Nothing answers on the VM's guest agent channel (no agent in the guest, or the guest does not run).</summary>
public sealed class GuestAgentNotRunningException(string message) : Exception(message);

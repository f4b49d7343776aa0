using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Abstractions;

/// <summary>
/// QEMU processes of one hypervisor node. All methods are idempotent where the name says so
/// and re-check reality; VMs outlive the member process.
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

    Task StartMigrationAsync(int vmid, MigrationStartSpec spec, CancellationToken ct = default);
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

    /// <summary>Starts drive-mirror of <paramref name="drive"/> (e.g. scsi0) to the target. Job id = drive.</summary>
    Task StartMirrorAsync(int vmid, string drive, MirrorTarget target, CancellationToken ct = default);
    Task<IReadOnlyList<BlockJobInfo>> QueryBlockJobsAsync(int vmid, CancellationToken ct = default);

    /// <summary>Ends a ready mirror: <paramref name="pivot"/> switches to the target (block-job-complete), else cancel keeps the source.</summary>
    Task FinishMirrorAsync(int vmid, string drive, bool pivot, CancellationToken ct = default);

    /// <summary>Target side: stops the NBD server started for an incoming migration.</summary>
    Task StopNbdServerAsync(int vmid, CancellationToken ct = default);

    /// <summary>query-vm-generation-id; null if the VM has no vmgenid device.</summary>
    Task<string?> QueryVmGenIdAsync(int vmid, CancellationToken ct = default);
}

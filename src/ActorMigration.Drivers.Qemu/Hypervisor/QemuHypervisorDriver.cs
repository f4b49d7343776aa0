using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Snapshot;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Logging;
using ActorMigration.Drivers.Qemu.Qmp;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// Real QEMU processes of one node. Each VM lives in &lt;RunDir&gt;/qemu/&lt;vmid&gt;/ (pidfile, QMP socket,
/// serial socket + log, meta.json) and is daemonized, so it outlives this process; a new instance re-adopts it.
/// A facade over the node's processes, QMP sessions, migrations, mirror jobs, NBD server and serial console.
/// </summary>
public sealed class QemuHypervisorDriver : IHypervisorDriver, IAsyncDisposable
{
    private readonly NodeSettings _settings;
    private readonly QmpSessions _qmp;
    private readonly QemuLauncher _launcher;
    private readonly VmProcesses _processes;
    private readonly QemuMigrations _migrations;
    private readonly MirrorJobs _mirrors;
    private readonly BackupJobs _backups;
    private readonly IncomingNbdServer _nbd;
    private readonly SerialConsole _console;
    private readonly QemuSnapshots _snapshots;
    private readonly DiskHotplug _disks;
    private readonly NicHotplug _nics;
    private readonly VmUsageSampler _usage = new();

    /// <param name="loggers">Where the driver logs (the node driver's factory); none: it logs nothing.</param>
    public QemuHypervisorDriver(NodeSettings settings, QemuDriverOptions options, PortAllocator? ports = null, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        _settings = settings;
        ports ??= NetnsPorts.AllocatorFor(settings);
        var log = loggers.CreateLogger<QemuHypervisorDriver>().With("Node", settings.Node);
        var address = new NodeAddress(settings.Address);
        _qmp = new QmpSessions(settings.RunDir, settings.Node, options.QmpTimeout, log,
            loggers.CreateLogger<QmpSessions>().With("Node", settings.Node));
        _launcher = new QemuLauncher(settings, options, ports, address, log);
        _nbd = new IncomingNbdServer(settings.RunDir, settings.Node, _qmp, ports, address, options.Tls, log);
        _processes = new VmProcesses(settings, ports, _qmp, _launcher, _nbd, log);
        _migrations = new QemuMigrations(settings.RunDir, settings.Node, _qmp, options.UnlimitedBandwidthBytesPerSec, options.Tls, log);
        _mirrors = new MirrorJobs(settings, _qmp, options.BlockJobFinishTimeout, options.Tls, log);
        _backups = new BackupJobs(_qmp, settings.Node, log);
        _console = new SerialConsole(settings.RunDir, settings.Node);
        _snapshots = new QemuSnapshots(settings.Node, _qmp, options.BlockJobFinishTimeout, log);
        _disks = new DiskHotplug(_qmp, settings.Node, log);
        _nics = new NicHotplug(_qmp, _launcher.Taps, settings.Node, log);
    }

    public string Node => _settings.Node;

    public NodeSettings Settings => _settings;

    /// <summary>Run files of a VM on this node.</summary>
    public VmRunFiles FilesOf(int vmid) => _processes.FilesOf(vmid);

    /// <summary>KVM or TCG, probed once per process.</summary>
    public Task<AcceleratorChoice> GetAcceleratorAsync() => _launcher.GetAcceleratorAsync();

    // Processes

    public Task<IReadOnlyList<VmRuntime>> DiscoverAsync(CancellationToken ct = default) => _processes.DiscoverAsync(ct);

    public Task<VmRuntime> GetAsync(int vmid, CancellationToken ct = default) => _processes.GetAsync(vmid, ct);

    public Task<IReadOnlyList<Domain.Balance.VmUsage>> UsageAsync(CancellationToken ct = default) =>
        Task.FromResult(_usage.Sample(_processes.RunningPids()));

    public async Task<VmRuntime> StartAsync(VmLaunchSpec spec, CancellationToken ct = default)
    {
        var rt = await _processes.StartAsync(spec, ct);
        // QEMU takes post-copy only when the incoming side has postcopy-ram too: set only where the migration allows it.
        if (spec.Incoming is { PostCopy: true }) await _migrations.AllowIncomingPostcopyAsync(spec.VmId, ct);
        return rt;
    }

    public async Task StopAsync(int vmid, CancellationToken ct = default)
    {
        await _processes.StopAsync(vmid, ct);
        _migrations.Forget(vmid);
    }

    public async Task ShutdownAsync(int vmid, TimeSpan timeout, CancellationToken ct = default)
    {
        await _processes.ShutdownAsync(vmid, timeout, ct);
        _migrations.Forget(vmid);
    }

    public Task PauseAsync(int vmid, CancellationToken ct = default) => _processes.PauseAsync(vmid, ct);

    public Task ResumeAsync(int vmid, CancellationToken ct = default) => _processes.ResumeAsync(vmid, ct);

    public async Task ResetAsync(int vmid, CancellationToken ct = default) => await _qmp.ExecuteAsync(vmid, "system_reset", ct: ct);

    public Task<string> GuestAgentAsync(int vmid, string command, TimeSpan timeout, CancellationToken ct = default) =>
        GuestAgentClient.ExecuteAsync(FilesOf(vmid).AgentSocket, command, timeout, ct);

    public async Task<string?> QueryVmGenIdAsync(int vmid, CancellationToken ct = default)
    {
        try
        {
            return QmpMapping.Str(await _qmp.ExecuteAsync(vmid, "query-vm-generation-id", ct: ct), "guid");
        }
        catch (QmpException)
        {
            return null;
        }
    }

    // Migration

    public Task StartMigrationAsync(int vmid, MigrationStartSpec spec, CancellationToken ct = default) => _migrations.StartAsync(vmid, spec, ct);

    public Task<MigrationProgress> QueryMigrationAsync(int vmid, CancellationToken ct = default) => _migrations.QueryAsync(vmid, ct);

    public Task<MigrationProgress> WaitMigrationAsync(int vmid, TimeSpan maxWait, CancellationToken ct = default) =>
        _migrations.WaitAsync(vmid, maxWait, ct);

    public Task CancelMigrationAsync(int vmid, CancellationToken ct = default) => _migrations.CancelAsync(vmid, ct);

    public Task TuneMigrationAsync(int vmid, MigrationTuning tuning, CancellationToken ct = default) => _migrations.TuneAsync(vmid, tuning, ct);

    public Task StartPostcopyAsync(int vmid, CancellationToken ct = default) => _migrations.StartPostcopyAsync(vmid, ct);

    // Block jobs and NBD

    public Task StartMirrorAsync(int vmid, string drive, MirrorTarget target, CancellationToken ct = default) =>
        _mirrors.StartAsync(vmid, drive, target, ct);

    public Task<IReadOnlyList<BlockJobInfo>> QueryBlockJobsAsync(int vmid, CancellationToken ct = default) => _qmp.QueryBlockJobsAsync(vmid, ct);

    public Task FinishMirrorAsync(int vmid, string drive, bool pivot, CancellationToken ct = default) =>
        _mirrors.FinishAsync(vmid, drive, pivot, ct);

    public Task<string?> DriveFileAsync(int vmid, string drive, CancellationToken ct = default) => _mirrors.DriveFileAsync(vmid, drive, ct);

    public Task BackupDrivesAsync(int vmid, IReadOnlyList<DriveBackupTarget> targets, IProgress<CopyProgress>? progress = null,
        CancellationToken ct = default) => _backups.RunAsync(vmid, targets, progress, ct);

    public Task StopNbdServerAsync(int vmid, CancellationToken ct = default) => _nbd.StopAsync(vmid, ct);

    // Snapshots of running VMs

    public Task SnapshotDrivesAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, string? vmStateDrive, CancellationToken ct = default) =>
        _snapshots.CreateAsync(vmid, drives, name, vmStateDrive, ct);

    public Task DeleteDriveSnapshotsAsync(int vmid, IReadOnlyList<SnapshotDrive> drives, string name, CancellationToken ct = default) =>
        _snapshots.DeleteAsync(vmid, drives, name, ct);

    // Disks of a running VM

    public Task<VmDisks> QueryDisksAsync(int vmid, CancellationToken ct = default) => _disks.QueryAsync(vmid, ct);

    public Task AddBlockNodeAsync(int vmid, DiskLaunch disk, CancellationToken ct = default) => _disks.AddBlockNodeAsync(vmid, disk, ct);

    public Task AddDiskDeviceAsync(int vmid, DiskLaunch disk, CancellationToken ct = default) => _disks.AddDeviceAsync(vmid, disk, ct);

    public Task AddNicAsync(int vmid, NicLaunch nic, CancellationToken ct = default) => _nics.AddAsync(vmid, nic, ct);

    public Task BlockResizeAsync(int vmid, string drive, long sizeBytes, CancellationToken ct = default) =>
        _disks.BlockResizeAsync(vmid, drive, sizeBytes, ct);

    // Serial console and QMP access (QEMU-only extras)

    public string SerialLogPath(int vmid) => _console.LogPath(vmid);

    /// <summary>The serial output so far ("" if none).</summary>
    public string ReadSerialLog(int vmid) => _console.ReadLog(vmid);

    /// <summary>Types one line into the guest's serial console.</summary>
    public Task SendSerialLineAsync(int vmid, string line, CancellationToken ct = default) => _console.SendLineAsync(vmid, line, ct);

    /// <summary>The shared QMP connection of a running VM (reconnects when dropped).</summary>
    public Task<QmpClient> GetQmpAsync(int vmid, CancellationToken ct = default) => _qmp.GetAsync(vmid, ct);

    /// <summary>Closes QMP connections; the VMs keep running.</summary>
    public ValueTask DisposeAsync() => _qmp.DisposeAsync();
}

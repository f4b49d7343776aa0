using System.Collections.Concurrent;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Simulated QEMU processes. Each VM is a JSON file in <c>{RunDir}/sim/vms</c>, so VMs outlive the driver (and the
/// member process): a new instance re-adopts them. Migrations and mirrors store only their start time and parameters;
/// their progress is computed from the clock, so they go on while no driver is alive.
/// </summary>
public sealed partial class SimulatedHypervisorDriver : IHypervisorDriver
{
    private const long MiB = 1024 * 1024;

    private readonly ILogger _log;
    private readonly NodeSettings _settings;
    private readonly SimulationOptions _options;
    private readonly SimClock _clock;
    private readonly FaultInjector _faults;
    private readonly SimPortAllocator _ports;
    private readonly SimulatedConntrackDriver? _conntrack;
    private readonly SemaphoreSlim _gate;
    private readonly ConcurrentDictionary<string, MigrationPlan> _plans = new();

    public SimulatedHypervisorDriver(NodeSettings settings, SimulationOptions options, TimeProvider? time = null,
        FaultInjector? faults = null, ILogger<SimulatedHypervisorDriver>? log = null)
        : this(settings, options, new SimClock(time ?? TimeProvider.System, options.SpeedFactor),
            faults ?? new FaultInjector(options.Faults, options.FaultStateFile),
            new SimPortAllocator(settings.RunDir, settings.PortRangeStart, settings.PortRangeEnd), null,
            log ?? NullLogger<SimulatedHypervisorDriver>.Instance)
    {
    }

    internal SimulatedHypervisorDriver(NodeSettings settings, SimulationOptions options, SimClock clock,
        FaultInjector faults, SimPortAllocator ports, SimulatedConntrackDriver? conntrack, ILogger<SimulatedHypervisorDriver> log)
    {
        options.Validate();
        _log = log;
        _settings = settings;
        _options = options;
        _clock = clock;
        _faults = faults;
        _ports = ports;
        _conntrack = conntrack;
        _gate = SimLocks.For(SimPaths.VmDir(settings.RunDir));
    }

    public string Node => _settings.Node;

    private string FileOf(int vmid) => SimPaths.VmFile(_settings.RunDir, vmid);
    private SimVmState? Load(int vmid) => SimFiles.ReadJson<SimVmState>(FileOf(vmid));
    private void Save(SimVmState vm) => SimFiles.WriteJson(FileOf(vm.VmId), vm);

    public async Task<IReadOnlyList<VmRuntime>> DiscoverAsync(CancellationToken ct = default)
    {
        var dir = SimPaths.VmDir(_settings.RunDir);
        if (!Directory.Exists(dir)) return [];
        var list = new List<VmRuntime>();
        await _gate.WaitAsync(ct);
        try
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.json"))
            {
                if (SimFiles.ReadJson<SimVmState>(file) is not { } vm) continue;
                if (Materialize(vm)) Save(vm);
                list.Add(ToRuntime(vm));
            }
        }
        finally
        {
            _gate.Release();
        }
        _log.LogInformation("Node {Node}: re-adopted {Count} simulated VMs", Node, list.Count);
        return list.OrderBy(v => v.VmId).ToList();
    }

    public async Task<VmRuntime> GetAsync(int vmid, CancellationToken ct = default)
    {
        if (Load(vmid) is not { } vm) return new VmRuntime(vmid, VmRunState.Stopped);
        var rt = ToRuntime(vm);
        if (vm.State == VmRunState.InMigrate && rt.State == VmRunState.Paused) await HoldPoint.At(_options, HoldPoint.Switchover, ct);
        return rt;
    }

    public async Task<VmRuntime> StartAsync(VmLaunchSpec spec, CancellationToken ct = default)
    {
        if (spec.Incoming is null) await HoldPoint.At(_options, HoldPoint.Start, ct);
        SimVmState vm;
        await _gate.WaitAsync(ct);
        try
        {
            if (Load(spec.VmId) is { } existing)
            {
                if (spec.Tag is not null && existing.Tag == spec.Tag)
                {
                    if (Materialize(existing)) Save(existing);
                    return ToRuntime(existing);
                }
                throw new InvalidOperationException($"VM {spec.VmId} already running");
            }
            if (spec.Incoming is not null && _faults.TryFire(FaultPhase.StartIncoming, Node, spec.VmId) is not null)
                throw new SimulatedFaultException(FaultPhase.StartIncoming,
                    $"start failed: QEMU exited with code 1 (simulated {FaultPhase.StartIncoming} fault, VM {spec.VmId})");
            if (_options.CheckDiskFiles)
                foreach (var d in spec.Disks)
                    if (!d.Cdrom && d.Path is not null && !File.Exists(d.Path))
                        throw new FileNotFoundException($"Could not open '{d.Path}': No such file or directory", d.Path);
            // The node's bridges are the simulator's; the error is Proxmox's (TapPlan, shared with QEMU).
            foreach (var nic in spec.Nics)
                if (nic.Bridge is { } bridge && TapPlan.StartError(nic, _options.Bridge(bridge)) is { } error)
                    throw new InvalidOperationException(error);

            var workload = Workload.FromArgs(spec.Args, _options);
            vm = new SimVmState
            {
                VmId = spec.VmId,
                Tag = spec.Tag,
                Name = spec.Name,
                MemoryMiB = spec.MemoryMiB,
                Cores = spec.Cores,
                Sockets = spec.Sockets,
                Machine = spec.Machine ?? _options.DefaultMachine,
                Cpu = spec.Cpu,
                QemuVersion = _options.QemuVersion,
                VmGenId = spec.VmGenId,
                SmbiosUuid = spec.SmbiosUuid,
                LoadedState = spec.LoadVm,
                Agent = spec.Agent,
                Disks = spec.Disks.Select(d => new SimDisk
                {
                    Drive = d.Drive, Path = d.Path, Format = d.Format, SizeBytes = d.SizeBytes, Cdrom = d.Cdrom
                }).ToList(),
                Macs = spec.Nics.Select(n => n.Mac).ToList(),
                Nics = spec.Nics.Select(n => n.Name).ToList(),
                State = spec.Incoming is null ? VmRunState.Running : VmRunState.InMigrate,
                Pid = Random.Shared.Next(10_000, 4_000_000),
                StartedAt = _clock.Now,
                SpeedFactor = _options.SpeedFactor,
                DirtyRateBytesPerSec = workload.DirtyRateBytesPerSec,
                CpuLoadCores = workload.CpuLoadCores,
                MemUsedBytes = workload.MemUsedBytes,
                WorkingSetBytes = workload.WorkingSetBytes
            };
            if (spec.Incoming is { } inc)
            {
                var withNbd = inc.NbdDrives.Count > 0;
                _ports.Allocate(withNbd ? 2 : 1, ports =>
                {
                    vm.IncomingPort = ports[0];
                    vm.IncomingUri = SimUris.Incoming(Node, spec.VmId, ports[0], ReceivedFile(vm));
                    if (withNbd)
                    {
                        vm.NbdPort = ports[1];
                        vm.NbdUri = SimUris.VmNbd(Node, ports[1]);
                        vm.NbdDrives = inc.NbdDrives.ToList();
                    }
                    Save(vm);
                    return 0;
                });
            }
            else
            {
                Save(vm);
            }
        }
        finally
        {
            _gate.Release();
        }
        if (spec.Incoming is null && _conntrack is not null)
            await _conntrack.SeedAsync(spec.VmId, _options.ConntrackEntriesPerVm, ct);
        _log.LogInformation("Node {Node}: started simulated VM {VmId} ({State}, {MemoryMiB} MiB)", Node, vm.VmId, vm.State, vm.MemoryMiB);
        return ToRuntime(vm);
    }

    public async Task StopAsync(int vmid, CancellationToken ct = default)
    {
        if (Load(vmid) is { } migrated && EffectiveState(migrated) == VmRunState.PostMigrate) await HoldPoint.At(_options, HoldPoint.Cleanup, ct);
        await _gate.WaitAsync(ct);
        try
        {
            if (Load(vmid) is not { } vm) return;
            SimulatedNodeFence.End(_settings.RunDir, vm, _clock.Now);
        }
        finally
        {
            _gate.Release();
        }
        _log.LogInformation("Node {Node}: stopped simulated VM {VmId}", Node, vmid);
    }

    public async Task ShutdownAsync(int vmid, TimeSpan timeout, CancellationToken ct = default)
    {
        if (Load(vmid) is not { } vm) return;
        // A guest that is not running ignores the ACPI request: the hard stop comes after the timeout.
        var real = ToRuntime(vm).State == VmRunState.Running
            ? TimeSpan.FromSeconds(_options.GuestShutdownSeconds / _options.SpeedFactor)
            : timeout;
        if (real > timeout) real = timeout;
        if (real > TimeSpan.Zero) await Task.Delay(real, _clock.Time, ct);
        await StopAsync(vmid, ct);
    }

    public Task PauseAsync(int vmid, CancellationToken ct = default) =>
        Mutate(vmid, vm =>
        {
            if (vm.State == VmRunState.Running) vm.State = VmRunState.Paused;
        }, ct);

    public Task ResumeAsync(int vmid, CancellationToken ct = default) =>
        Mutate(vmid, vm =>
        {
            var state = EffectiveState(vm);
            if (state == VmRunState.Running) return;
            if (state == VmRunState.FinishMigrate)
                throw new InvalidOperationException($"VM {vmid} is in finish-migrate state");
            if (vm.State == VmRunState.InMigrate)
            {
                vm.IncomingPort = null;
                vm.IncomingUri = null;
                SimFiles.DeleteIfExists(ReceivedFile(vm));
            }
            vm.State = VmRunState.Running;
        }, ct);

    public Task<string?> QueryVmGenIdAsync(int vmid, CancellationToken ct = default) =>
        Load(vmid) is { } vm
            ? Task.FromResult(vm.VmGenId)
            : Task.FromException<string?>(new InvalidOperationException($"VM {vmid} not running"));

    private async Task Mutate(int vmid, Action<SimVmState> change, CancellationToken ct, bool missingOk = false)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (Load(vmid) is not { } vm)
            {
                if (missingOk) return;
                throw new InvalidOperationException($"VM {vmid} not running");
            }
            Materialize(vm);
            change(vm);
            Save(vm);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies a finished migration to the stored run state; true when something changed.</summary>
    private bool Materialize(SimVmState vm)
    {
        if (vm.Migration is not { Applied: false } m) return false;
        var phase = Snapshot(m).Phase;
        if (phase is MigrationPhase.Precopy or MigrationPhase.Switchover or MigrationPhase.Postcopy) return false;
        if (phase == MigrationPhase.Completed && vm.State is VmRunState.Running or VmRunState.Paused)
            vm.State = VmRunState.PostMigrate;
        m.Applied = true;
        return true;
    }

    private string ReceivedFile(SimVmState vm) => SimPaths.ReceivedFile(_settings.RunDir, vm.VmId, vm.Pid);

    private VmRunState EffectiveState(SimVmState vm)
    {
        // The target of a completed migration waits paused (QEMU was started with -S) until it is resumed.
        if (vm.State == VmRunState.InMigrate && File.Exists(ReceivedFile(vm))) return VmRunState.Paused;
        if (vm.Migration is { Applied: false } m && vm.State is VmRunState.Running or VmRunState.Paused)
        {
            switch (Snapshot(m).Phase)
            {
                case MigrationPhase.Switchover or MigrationPhase.Postcopy: return VmRunState.FinishMigrate; // QEMU's postcopy_start stops the source
                case MigrationPhase.Completed: return VmRunState.PostMigrate;
            }
        }
        return vm.State;
    }

    private BlockJobInfo JobInfo(SimBlockJobState j)
    {
        var t = _clock.SimSecondsSince(j.StartedAt, j.SpeedFactor);
        var done = j.Instant ? j.Length : (long)Math.Min(j.Length, j.BandwidthBytesPerSec * t);
        if (j.Fail && (j.Instant || done >= j.Length / 2))
            return new BlockJobInfo(j.Drive, "mirror", j.Length, j.Length / 2, false, "concluded",
                $"{FaultPhase.Mirror}: simulated I/O error (injected)");
        var ready = done >= j.Length;
        return new BlockJobInfo(j.Drive, "mirror", j.Length, done, ready, ready ? "ready" : "running");
    }

    private VmRuntime ToRuntime(SimVmState vm) => new(
        vm.VmId,
        EffectiveState(vm),
        vm.Pid,
        (long)_clock.SimSecondsSince(vm.StartedAt, vm.SpeedFactor),
        vm.IncomingUri,
        vm.NbdUri,
        vm.Tag,
        vm.Machine,
        vm.QemuVersion);
}

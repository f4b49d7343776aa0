using ActorMigration.Domain.Cluster;
using ActorMigration.Drivers.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>The simulated drivers of one node. Disposing leaves the simulated VMs "running" (their files stay).</summary>
public sealed class SimulatedNodeDriver : INodeDriver
{
    private readonly SimulationOptions _options;

    /// <param name="loggers">Where the drivers log; none: they log nothing.</param>
    public SimulatedNodeDriver(NodeSettings settings, SimulationOptions options, TimeProvider? time = null,
        FaultInjector? faults = null, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        options.Validate();
        Settings = settings;
        _options = options;
        Directory.CreateDirectory(SimPaths.Root(settings.RunDir));
        var clock = new SimClock(time ?? TimeProvider.System, options.SpeedFactor);
        faults ??= new FaultInjector(options.Faults, options.FaultStateFile, loggers.CreateLogger<FaultInjector>());
        var ports = new SimPortAllocator(settings.RunDir, settings.PortRangeStart, settings.PortRangeEnd);
        var conntrack = new SimulatedConntrackDriver(settings, options);
        Conntrack = conntrack;
        Storage = new SimulatedStorageDriver(settings, options, clock, faults, ports, loggers.CreateLogger<SimulatedStorageDriver>());
        Hypervisor = new SimulatedHypervisorDriver(settings, options, clock, faults, ports, conntrack,
            loggers.CreateLogger<SimulatedHypervisorDriver>())
        { Storage = Storage };
    }

    public NodeSettings Settings { get; }
    public IHypervisorDriver Hypervisor { get; }
    public IStorageDriver Storage { get; }
    public IConntrackDriver Conntrack { get; }

    public async Task<NodeFacts> GetFactsAsync(CancellationToken ct = default)
    {
        if (_options.FactsDelayMs > 0) await Task.Delay(_options.FactsDelayMs, ct);
        return new NodeFacts(
            Settings.Node,
            Settings.Address,
            Settings.Version ?? _options.Version,
            Settings.CpuVendor ?? _options.CpuVendor,
            Online: true,
            MaxCpu: _options.MaxCpu,
            MaxMem: _options.MaxMemBytes,
            Accelerator: _options.Accelerator);
    }

    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    /// <summary>The simulator's figures: its running VMs' CPU and memory on top of a 1 GiB host, a 100 GiB root file system.</summary>
    public async Task<NodeStatus> GetStatusAsync(CancellationToken ct = default)
    {
        var vms = await Hypervisor.UsageAsync(ct);
        var cores = vms.Sum(v => v.CpuCores ?? 0);
        var used = Math.Min(_options.MaxMemBytes, (1L << 30) + vms.Sum(v => v.MemUsedBytes));
        const long root = 100L << 30, rootUsed = 8L << 30;
        var load = Math.Round(cores, 2);
        return new NodeStatus(
            (long)(DateTimeOffset.UtcNow - _started).TotalSeconds, [load, load, load],
            Math.Clamp(cores / _options.MaxCpu, 0, 1), 0,
            new SpaceUsage(_options.MaxMemBytes, used, _options.MaxMemBytes - used, _options.MaxMemBytes - used),
            new SpaceUsage(0, 0, 0, 0),
            new SpaceUsage(root, rootUsed, root - rootUsed, root - rootUsed),
            0,
            new CpuFacts("Simulated CPU", _options.MaxCpu, 1, _options.MaxCpu, 2400, _options.Accelerator == "kvm", ""),
            new KernelFacts("Linux", "6.14.8-2-pve", "#1 SMP PREEMPT_DYNAMIC (simulated)", "x86_64"));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

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

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

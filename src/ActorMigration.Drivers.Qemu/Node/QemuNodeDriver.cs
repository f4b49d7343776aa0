using ActorMigration.Domain.Cluster;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Conntrack;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Qemu.Storage;
using ActorMigration.Drivers.Qemu.Util;
using Microsoft.Extensions.Logging;

namespace ActorMigration.Drivers.Qemu.Node;

/// <summary>The real drivers of one node; hypervisor and storage share the node's port range.</summary>
public sealed class QemuNodeDriver : INodeDriver
{
    public const string DefaultVersion = "1.0.0";

    private readonly QemuHypervisorDriver _hypervisor;

    /// <param name="loggers">Where the drivers log (the host's logger factory); none: they log nothing.</param>
    public QemuNodeDriver(NodeSettings settings, QemuDriverOptions options, IConntrackDriver? conntrack = null, ILoggerFactory? loggers = null)
    {
        Settings = settings;
        Options = options;
        Directory.CreateDirectory(settings.RunDir);
        Ports = NetnsPorts.AllocatorFor(settings);
        _hypervisor = new QemuHypervisorDriver(settings, options, Ports, loggers);
        Storage = new QemuStorageDriver(settings, options, Ports, loggers);
        Conntrack = conntrack ?? new NoConntrackDriver();
    }

    public NodeSettings Settings { get; }
    public QemuDriverOptions Options { get; }
    public PortAllocator Ports { get; }
    public IHypervisorDriver Hypervisor => _hypervisor;

    /// <summary>The hypervisor driver with its QEMU-only extras (serial console, QMP access).</summary>
    public QemuHypervisorDriver Qemu => _hypervisor;

    public IStorageDriver Storage { get; }
    public IConntrackDriver Conntrack { get; }

    public async Task<NodeFacts> GetFactsAsync(CancellationToken ct = default)
    {
        var accel = await _hypervisor.GetAcceleratorAsync();
        return new NodeFacts(
            Settings.Node,
            Settings.Address,
            Settings.Version ?? DefaultVersion,
            Settings.CpuVendor ?? HostFacts.CpuVendor(),
            Online: true,
            MaxCpu: Environment.ProcessorCount,
            MaxMem: HostFacts.MemTotalBytes(),
            Accelerator: accel.Accelerator);
    }

    public Task<NodeStatus> GetStatusAsync(CancellationToken ct = default) => HostStatus.ReadAsync(ct);

    /// <summary>Closes connections; VMs and exports keep running.</summary>
    public ValueTask DisposeAsync() => _hypervisor.DisposeAsync();
}

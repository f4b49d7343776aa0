using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Conntrack;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Qemu.Node;

/// <summary>Creates real QEMU node drivers ("qemu").</summary>
/// <param name="loggers">Where the drivers log (the host's logger factory); none: they log nothing.</param>
public sealed class QemuNodeDriverFactory(QemuDriverOptions options, ILoggerFactory? loggers = null) : INodeDriverFactory
{
    public const string DriverName = "qemu";

    public QemuDriverOptions Options { get; } = options;

    public ILoggerFactory Loggers { get; } = loggers ?? NullLoggerFactory.Instance;

    public string Name => DriverName;

    /// <summary>Conntrack runs in the node's host network namespace; without one there is no separate table to move entries between.</summary>
    public INodeDriver Create(NodeSettings settings) =>
        new QemuNodeDriver(settings, Options,
            settings.HostNetns is null ? null : LinuxConntrackDriver.ForNode(settings, Loggers), Loggers);
}

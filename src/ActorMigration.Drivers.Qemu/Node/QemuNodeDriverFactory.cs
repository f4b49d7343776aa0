using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Conntrack;

namespace ActorMigration.Drivers.Qemu.Node;

/// <summary>Creates real QEMU node drivers ("qemu").</summary>
public sealed class QemuNodeDriverFactory(QemuDriverOptions options) : INodeDriverFactory
{
    public const string DriverName = "qemu";

    public QemuDriverOptions Options { get; } = options;

    public string Name => DriverName;

    /// <summary>Conntrack runs in the node's host network namespace; without one there is no separate table to move entries between.</summary>
    public INodeDriver Create(NodeSettings settings) =>
        new QemuNodeDriver(settings, Options,
            settings.HostNetns is null ? null : LinuxConntrackDriver.ForNode(settings, Options.Logger));
}

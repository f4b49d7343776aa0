using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Qemu.Node;

/// <summary>Creates real QEMU node drivers ("qemu").</summary>
public sealed class QemuNodeDriverFactory(QemuDriverOptions options) : INodeDriverFactory
{
    public const string DriverName = "qemu";

    public QemuDriverOptions Options { get; } = options;

    public string Name => DriverName;

    public INodeDriver Create(NodeSettings settings) => new QemuNodeDriver(settings, Options);
}

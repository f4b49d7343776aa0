using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu;
using ActorMigration.Drivers.Qemu.GuestImage;
using ActorMigration.Drivers.Qemu.Node;
using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Api.Setup;

/// <summary>Picks the node driver: "qemu", "sim", or "auto" (QEMU when qemu-system-x86_64 and qemu-img are installed).</summary>
public static class DriverSelection
{
    /// <param name="loggers">The host's logger factory; the drivers log through it.</param>
    public static INodeDriverFactory Create(ServerSettings s, ILoggerFactory loggers)
    {
        var name = s.Driver;
        if (name == "auto") name = QemuInstalled() ? "qemu" : "sim";
        return name switch
        {
            "sim" => SimulatedNodeDriverFactory.FromDictionary(s.SimOptions, loggers: loggers),
            "qemu" => Qemu(s, loggers),
            _ => throw new InvalidOperationException($"unknown driver '{s.Driver}' (use qemu or sim)")
        };
    }

    public static bool QemuInstalled() =>
        File.Exists("/usr/bin/qemu-system-x86_64") && File.Exists("/usr/bin/qemu-img") && File.Exists("/usr/bin/qemu-nbd");

    private static INodeDriverFactory Qemu(ServerSettings s, ILoggerFactory loggers)
    {
        // The guest image the VMs boot: given, found next to the repository, or built now.
        var dir = s.GuestDir is { } g && GuestImageBuilder.IsBuilt(g)
            ? g
            : GuestImageBuilder.EnsureBuiltAsync(s.GuestDir).GetAwaiter().GetResult();
        loggers.CreateLogger(typeof(DriverSelection)).LogInformation("QEMU guest image in {GuestDir}", dir);
        // Migrations and NBD between nodes use QEMU's TLS with the cluster's certificates (ClusterCertificates).
        var tls = new QemuTls(s.TlsDir, ClusterCertificates.PeerName);
        return new QemuNodeDriverFactory(QemuDriverOptions.FromGuestImage(dir) with { Tls = tls }, loggers);
    }
}

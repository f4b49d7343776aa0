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
        // Migrations and NBD between nodes use QEMU's TLS with the cluster's certificates (ClusterCertificates).
        var tls = new QemuTls(s.TlsDir, ClusterCertificates.PeerName);
        var log = loggers.CreateLogger(typeof(DriverSelection));
        if (s.TestKernelDir is not { } dir)
        {
            // VMs boot from their own devices (boot order, SeaBIOS or OVMF), as on Proxmox.
            log.LogInformation("QEMU VMs boot from their devices (no test kernel)");
            return new QemuNodeDriverFactory(new QemuDriverOptions { Tls = tls }, loggers);
        }
        // The test kernel option (AM_TEST_KERNEL): every VM boots the test guest's kernel, built now if missing.
        if (!GuestImageBuilder.IsBuilt(dir)) dir = GuestImageBuilder.EnsureBuiltAsync(dir).GetAwaiter().GetResult();
        log.LogWarning("QEMU VMs boot the test kernel of {TestKernelDir} (AM_TEST_KERNEL), not their devices", dir);
        return new QemuNodeDriverFactory(QemuDriverOptions.FromGuestImage(dir) with { Tls = tls }, loggers);
    }
}

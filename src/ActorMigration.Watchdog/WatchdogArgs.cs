using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Watchdog;

/// <summary>
/// <see cref="WatchdogFiles.Arguments"/>: <c>--node N --run-dir D --driver qemu|sim --log F --pid-file P</c>. The pidfile's path is in
/// the command line so that a recycled pid is never taken for the watchdog (<see cref="PidFiles.LivePid"/>).
/// </summary>
public sealed record WatchdogArgs(string Node, string RunDir, string Driver, string LogFile)
{
    public string PidFile => WatchdogFiles.PidFile(RunDir);
    public string Socket => WatchdogFiles.Socket(RunDir);

    /// <summary>The node's VM processes for the driver: the one definition each driver gives.</summary>
    public INodeFence Fence() => Driver switch
    {
        "qemu" => new QemuNodeFence(),
        "sim" => new SimulatedNodeFence(),
        _ => throw new ArgumentException($"unknown driver '{Driver}' (qemu or sim)")
    };

    public static WatchdogArgs? Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2) d[args[i]] = args[i + 1];
        if (!d.TryGetValue("--node", out var node) || !d.TryGetValue("--run-dir", out var run) || !d.TryGetValue("--driver", out var driver)
            || !d.TryGetValue("--log", out var log))
        {
            Console.Error.WriteLine("usage: ActorMigration.Watchdog --node N --run-dir D --driver qemu|sim --log F --pid-file P");
            return null;
        }
        return new WatchdogArgs(node, run, driver, log);
    }
}

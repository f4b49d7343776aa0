namespace ActorMigration.Drivers.Abstractions;

/// <summary>A VM process the fence killed (for the simulated driver: a simulated VM it ended).</summary>
public sealed record FencedProcess(string What, int Pid, int? VmId);

/// <summary>
/// The one definition of "the node's VM processes", per driver: what a host reset would end. The node's watchdog
/// kills them all when its member stops petting it (<see cref="WatchdogFiles"/>).
/// </summary>
public interface INodeFence
{
    /// <summary>Kills every VM process of the node whose run directory is <paramref name="runDir"/>; returns what it killed.</summary>
    IReadOnlyList<FencedProcess> KillAll(string runDir);
}

/// <summary>Where a node's watchdog lives (in its run directory) and the lines it understands.</summary>
public static class WatchdogFiles
{
    public const string ProgramName = "ActorMigration.Watchdog";

    /// <summary><c>pet &lt;deadline&gt;</c>: arm until the deadline, in ms of <see cref="Environment.TickCount64"/> (the host's monotonic clock).</summary>
    public const string Pet = "pet";

    /// <summary>
    /// <c>disarm</c>: nothing fires until the next pet. The member sends it only after it released the node's lease, so
    /// no lease is ever left to expire while the node's VMs run.
    /// </summary>
    public const string Disarm = "disarm";

    /// <summary><c>status</c>: answers <c>armed &lt;ms left&gt; fired &lt;n&gt;</c> or <c>disarmed fired &lt;n&gt;</c>.</summary>
    public const string Status = "status";

    public static string Dir(string runDir) => Path.Combine(Path.GetFullPath(runDir), "watchdog");
    public static string Socket(string runDir) => Path.Combine(Dir(runDir), "watchdog.sock");
    public static string PidFile(string runDir) => Path.Combine(Dir(runDir), "watchdog.pid");

    /// <summary>The watchdog's command line after the program; it holds the pidfile's path (the pid-reuse marker).</summary>
    public static IReadOnlyList<string> Arguments(string node, string runDir, string driver, string logFile) =>
        ["--node", node, "--run-dir", Path.GetFullPath(runDir), "--driver", driver, "--log", logFile, "--pid-file", PidFile(runDir)];
}

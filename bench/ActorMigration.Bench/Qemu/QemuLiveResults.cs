using System.Globalization;

namespace ActorMigration.Bench.Qemu;

/// <summary>
/// Where the time of one migration went, in seconds: spawn = until the incoming target QEMU runs (engine: request,
/// lock, prepare, start); setup = until the migrate command returned; qemu = until "completed" was seen;
/// switchover = until the target runs (engine: config move + resume); cleanup = until the source is gone and the
/// run is over (engine: stop source, unlock, until the member logs the workflow's end).
/// </summary>
public sealed record Phases(double Spawn, double Setup, double Qemu, double Switchover, double Cleanup)
{
    public override string ToString() => string.Format(CultureInfo.InvariantCulture,
        "spawn {0:F2}, setup {1:F2}, qemu {2:F2}, switchover {3:F2}, cleanup {4:F2}", Spawn, Setup, Qemu, Switchover, Cleanup);
}

/// <summary>
/// One timed migration. <see cref="SwitchoverQmp"/> (engine only): the QMP commands the member sent in the switchover
/// phase, as "node:command" in order, and <see cref="MigrationQmp"/> how many the whole migration sent
/// (see <see cref="SwitchoverCommands"/>).
/// </summary>
public sealed record Measured(string Direction, double Seconds, long DowntimeMs, Phases Phases, double OrchestratorCpuSeconds = 0,
    IReadOnlyList<string>? SwitchoverQmp = null, int MigrationQmp = 0);

/// <summary>One round: the same live migration by the engine (through the API of a child member) and by a bare QMP script.</summary>
public sealed record QemuLiveRound(int Round, string First, Measured Engine, Measured Bare)
{
    public double Ratio => Engine.Seconds / Bare.Seconds;
}

public sealed record QemuLiveResult(IReadOnlyList<QemuLiveRound> Rounds, int MemoryMiB, int PollMs, string Accelerator,
    string QemuVersion, string CommandLineCheck, string PageReporting);

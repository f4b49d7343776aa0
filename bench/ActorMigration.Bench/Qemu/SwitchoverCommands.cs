using System.Text.RegularExpressions;
using ActorMigration.Drivers.Qemu.Hypervisor;

namespace ActorMigration.Bench.Qemu;

/// <summary>
/// The QMP commands the member sent in a migration's switchover phase, read from its log: the driver logs each
/// command at Debug (<see cref="QmpSessions.CommandTemplate"/>), which the member prints for the source context
/// <see cref="LogSource"/> (AM_LOG_DEBUG).
/// </summary>
public static partial class SwitchoverCommands
{
    public const string Definition =
        "switchover = from the member's log line of the source's MIGRATION \"completed\" event until its line \"Workflow <upid> finished\"; " +
        "commands to the migrating VM on any node, qmp_capabilities of a new connection included";

    public static readonly string LogSource = typeof(QmpSessions).FullName!;

    [GeneratedRegex(@"QMP command (\S+) to (\d+) on (\S+)")]
    private static partial Regex CommandLine();

    /// <summary>
    /// "node:command" of each command to <paramref name="vmid"/> in the switchover, in log order, and how many the
    /// whole migration sent (the log from the POST until the workflow's end).
    /// </summary>
    public static (IReadOnlyList<string> Switchover, int Whole) From(string memberLog, int vmid, string source, string upid)
    {
        var completed = $"QMP event MIGRATION of {vmid} on {source}: {{\"status\":\"completed\"}}";
        var finished = $"Workflow {upid} finished";
        var switchover = new List<string>();
        var whole = 0;
        var inPhase = false;
        foreach (var line in memberLog.Split('\n'))
        {
            if (line.Contains(finished)) break;
            inPhase |= line.Contains(completed);
            if (CommandLine().Match(line) is not { Success: true } m || m.Groups[2].Value != vmid.ToString()) continue;
            whole++;
            if (inPhase) switchover.Add($"{m.Groups[3].Value}:{m.Groups[1].Value}");
        }
        return (switchover, whole);
    }

    /// <summary>"5: node1:query-migrate, node2:cont, ..." (or "n/a").</summary>
    public static string Describe(IReadOnlyList<string>? commands) =>
        commands is null ? "n/a" : $"{commands.Count}: {string.Join(", ", commands)}";
}

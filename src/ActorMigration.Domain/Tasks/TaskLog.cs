using System.Globalization;

namespace ActorMigration.Domain.Tasks;

/// <summary>Proxmox task log formatting.</summary>
public static class TaskLog
{
    public const string Ok = "OK";

    /// <summary>"2024-09-23 21:34:43 text", local time as Proxmox prints it.</summary>
    public static string Line(DateTimeOffset at, string text) =>
        $"{at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {text}";

    /// <summary>The final line for an exit status.</summary>
    public static string FinalLine(string exitStatus) =>
        exitStatus == Ok ? "TASK OK"
        : exitStatus.StartsWith("WARNINGS: ", StringComparison.Ordinal) ? $"TASK {exitStatus}"
        : $"TASK ERROR: {exitStatus.Replace('\n', ' ').TrimEnd()}";

    /// <summary>The task ended well: <c>OK</c> or with warnings.</summary>
    public static bool IsOk(string? exitStatus) =>
        exitStatus is Ok || exitStatus?.StartsWith("WARNINGS", StringComparison.Ordinal) == true;

    /// <summary>A time of day to the millisecond in UTC (<c>21:34:43.120</c>), for lines that compare with other hosts' clocks.</summary>
    public static string UtcClock(DateTimeOffset t) => t.ToUniversalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    /// <summary>Exit status as written by a finished task with <paramref name="warnings"/> warnings.</summary>
    public static string ExitStatus(string? error, int warnings) =>
        error is not null ? error.Replace('\n', ' ').TrimEnd()
        : warnings > 0 ? $"WARNINGS: {warnings}"
        : Ok;
}

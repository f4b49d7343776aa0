using System.Globalization;
using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Workflows;

/// <summary>
/// The progress mark of a workflow's drive mirrors (migration with local disks, full clone of a running VM): the bytes
/// they had sent in all when that last grew. Mirrors that send nothing for the progress timeout fail the workflow, so
/// no mirror poll waits forever. Written at most with each progress log line, so the mark may lag by a second.
/// </summary>
public sealed record MirrorsProgressed(long Bytes, DateTimeOffset At) : IWorkflowEvent
{
    /// <summary>KubeVirt's progressTimeout, our default.</summary>
    public const double DefaultTimeoutSec = 150;

    /// <summary>The mark to write now (or null), and the error once the mirrors stalled for <paramref name="timeoutSec"/>.</summary>
    public static (MirrorsProgressed? Mark, string? Stalled) Check(MirrorsProgressed? mark, IReadOnlyList<BlockJobInfo> jobs,
        DateTimeOffset at, bool logDue, double timeoutSec, IEnumerable<string> progressLines)
    {
        var sent = jobs.Sum(j => j.Offset);
        if (mark is null || sent > mark.Bytes)
            return (mark is null || logDue ? new MirrorsProgressed(sent, at) : null, null);
        var idle = (at - mark.At).TotalSeconds;
        return idle > timeoutSec
            ? (null, $"mirroring error: no progress for {Sec(idle)} (progress timeout {Sec(timeoutSec)}): {string.Join(", ", progressLines)}")
            : (null, null);
    }

    private static string Sec(double s) => s.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}

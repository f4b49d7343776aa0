namespace ActorMigration.Domain.Workflows.Migration.Convergence;

/// <summary>
/// What one migration allows the convergence controller: the downtime limit it starts from (migrate_downtime), how far it
/// may raise it (max-downtime), whether post-copy is allowed, and the two timeouts: completion (per GiB of RAM and
/// live disks, as KubeVirt's completionTimeoutPerGiB) and progress (no new low of the remaining data).
/// </summary>
public sealed record ConvergenceSettings(
    long DowntimeLimitMs,
    long MaxDowntimeMs,
    bool PostCopyAllowed,
    long MemoryBytes,
    long DiskBytes = 0,
    double CompletionTimeoutPerGiBSec = 150,
    double ProgressTimeoutSec = 150)
{
    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>max-downtime when the request does not give one: ten times the limit, at least one second.</summary>
    public static long DefaultMaxDowntimeMs(long downtimeLimitMs) => Math.Max(downtimeLimitMs, Math.Max(1000, downtimeLimitMs * 10));

    /// <summary>The completion timeout: per GiB of what moves, counted as at least one GiB.</summary>
    public double CompletionTimeoutSec => CompletionTimeoutPerGiBSec * Math.Max(1.0, (MemoryBytes + DiskBytes) / GiB);

    /// <summary>A migration's settings: <paramref name="downtimeLimitMs"/> is the effective migrate_downtime (request and config).</summary>
    public static ConvergenceSettings Of(MigrationRequest r, long downtimeLimitMs, long memoryBytes, long diskBytes, bool postCopyPossible = true) => new(
        downtimeLimitMs,
        Math.Max(downtimeLimitMs, r.MaxDowntimeMs ?? DefaultMaxDowntimeMs(downtimeLimitMs)),
        r.PostCopy && postCopyPossible,
        memoryBytes,
        diskBytes,
        r.CompletionTimeoutPerGiBSec,
        r.ProgressTimeoutSec);
}

using System.Diagnostics;
using ActorMigration.Cli.Api;

namespace ActorMigration.Cli.Tasks;

/// <summary>How a task ended.</summary>
public sealed record TaskOutcome(Upid Upid, string ExitStatus)
{
    public bool Ok => ExitStatus == "OK" || ExitStatus.StartsWith("WARNINGS", StringComparison.Ordinal);
}

/// <summary>
/// Polls a task's log (from the last line seen, limit=0) and its status until it is stopped,
/// handing each new log line to a callback exactly once. Transient failures (server restarting,
/// 502-504, a task not yet visible in a lagging read model) are retried for <c>grace</c>.
/// </summary>
public sealed class TaskFollower(PveClient api, TimeSpan interval, TimeSpan? grace = null)
{
    private readonly TimeSpan _grace = grace ?? TimeSpan.FromSeconds(30);

    // Placeholders the server returns instead of line 1 while the log is empty or not yet created.
    private static bool IsPlaceholder(string t) =>
        t == "no content" || t.StartsWith("unable to open file", StringComparison.Ordinal);

    public async Task<TaskOutcome> FollowAsync(Upid upid, Action<string> onLine, CancellationToken ct)
    {
        var seen = 0;
        var lastSuccess = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                seen = await ReadNewLinesAsync(upid, seen, onLine, final: false, ct);
                var status = (await api.GetAsync(Paths.TaskStatus(upid), ct: ct)).Data;
                if (status.Str("status") == "stopped")
                {
                    await ReadNewLinesAsync(upid, seen, onLine, final: true, ct);
                    var exit = status.Str("exitstatus");
                    return new TaskOutcome(upid, exit.Length > 0 ? exit : "unexpected status");
                }
                lastSuccess.Restart();
            }
            catch (Exception e) when (IsTransient(e, ct) && lastSuccess.Elapsed < _grace)
            {
                // Retry after the usual interval.
            }
            await Task.Delay(interval, ct);
        }
    }

    private static bool IsTransient(Exception e, CancellationToken ct) => e switch
    {
        HttpRequestException => true,
        TaskCanceledException => !ct.IsCancellationRequested, // request timeout
        PveApiException { Status: 502 or 503 or 504 } => true,
        PveApiException { Status: 400 } p => p.Errors.TryGetValue("upid", out var m) && m.Contains("no such task"),
        _ => false,
    };

    private async Task<int> ReadNewLinesAsync(Upid upid, int seen, Action<string> onLine, bool final, CancellationToken ct)
    {
        var query = new Form().Add("start", seen.ToString()).Add("limit", "0");
        var log = (await api.GetAsync(Paths.TaskLog(upid), query, ct)).Data;
        foreach (var item in log.Items())
        {
            var n = (int)(item.Long("n") ?? seen + 1);
            var text = item.Str("t");
            if (n <= seen) continue;
            if (n == 1 && IsPlaceholder(text))
            {
                // Don't advance past a placeholder: the real line 1 comes later.
                if (final && text != "no content") onLine(text);
                continue;
            }
            onLine(text);
            seen = n;
        }
        return seen;
    }
}

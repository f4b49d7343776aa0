using ActorMigration.Domain.Tasks;

namespace ActorMigration.Actors.Workflows;

/// <summary>The one source of fresh UPIDs on a member: the API's tasks and the children of bulk actions.</summary>
public static class UpidFactory
{
    private static long _pstart = Environment.TickCount64 / 10 % 0x7FFFFFFF;

    /// <summary>A new UPID: this process's id, a counter as pstart (unique per process), the current time.</summary>
    public static Upid Next(string node, string type, string id, string user) =>
        new(node, Environment.ProcessId, Interlocked.Increment(ref _pstart), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), type, id, user);
}

using System.Collections.Concurrent;

namespace ActorMigration.Drivers.Simulated;

/// <summary>One lock per state directory, shared by all driver instances in the process that use it.</summary>
internal static class SimLocks
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new();

    public static SemaphoreSlim For(string dir) => Gates.GetOrAdd(Path.GetFullPath(dir), _ => new SemaphoreSlim(1, 1));
}

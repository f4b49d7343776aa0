namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// Points where the simulated driver can wait (real milliseconds), so a test can act while a workflow is in a short phase:
/// <see cref="Switchover"/> (the target is asked for the complete incoming VM, the guest is paused), <see cref="Conntrack"/>
/// (the source's entries are read), <see cref="Cleanup"/> (the migrated source is stopped) and <see cref="Start"/> (a VM
/// that is not incoming is started: the wait comes before it runs).
/// </summary>
public static class HoldPoint
{
    public const string Switchover = "switchover";
    public const string Conntrack = "conntrack";
    public const string Cleanup = "cleanup";
    public const string Start = "start";

    public static readonly IReadOnlyList<string> All = [Switchover, Conntrack, Cleanup, Start];

    /// <summary>Compact list <c>point:ms[,point:ms…]</c>, e.g. <c>switchover:3000,cleanup:3000</c>.</summary>
    public static Dictionary<string, int> ParseList(string text)
    {
        var holds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':');
            var name = (colon < 0 ? part : part[..colon]).Trim().ToLowerInvariant();
            if (!All.Contains(name)) throw new FormatException($"unknown hold point '{name}' (known: {string.Join(", ", All)})");
            if (colon < 0 || !int.TryParse(part[(colon + 1)..], out var ms) || ms < 0)
                throw new FormatException($"hold '{part}': expected {name}:<milliseconds>");
            holds[name] = ms;
        }
        return holds;
    }

    /// <summary>Waits the time <paramref name="options"/> set for <paramref name="point"/>, if any.</summary>
    public static Task At(SimulationOptions options, string point, CancellationToken ct) =>
        options.Holds.TryGetValue(point, out var ms) && ms > 0 ? Task.Delay(ms, ct) : Task.CompletedTask;
}

namespace ActorMigration.Domain.Balance;

/// <summary>A VM moved (successfully, by anyone) less than <c>cooldown</c> ago is not moved by the rebalancer again.</summary>
public static class Cooldown
{
    /// <summary>Task types that move a VM between nodes: user and bulk migrations, HA migrations.</summary>
    public static readonly IReadOnlySet<string> MoveTaskTypes = new HashSet<string>(StringComparer.Ordinal) { "qmigrate", "hamigrate" };

    public static bool Allows(DateTimeOffset? lastMovedAt, DateTimeOffset at, TimeSpan cooldown) =>
        lastMovedAt is not { } last || at - last >= cooldown;

    public static bool Allows(int vmid, IReadOnlyDictionary<int, DateTimeOffset> lastMoved, DateTimeOffset at, TimeSpan cooldown) =>
        Allows(lastMoved.TryGetValue(vmid, out var t) ? t : null, at, cooldown);

    /// <summary>
    /// The last move of each VM: the rebalancer's own (<paramref name="rebalanced"/>) and every other ended move task
    /// (type, vmid, end, exit status) that went well (<c>OK</c> or <c>WARNINGS: n</c>), whichever is later.
    /// </summary>
    public static IReadOnlyDictionary<int, DateTimeOffset> LastMoves(IReadOnlyDictionary<int, DateTimeOffset> rebalanced,
        IEnumerable<(string Type, string Id, DateTimeOffset? EndedAt, string? ExitStatus)> tasks)
    {
        var last = new Dictionary<int, DateTimeOffset>(rebalanced);
        foreach (var (type, id, endedAt, exit) in tasks)
        {
            if (!MoveTaskTypes.Contains(type) || endedAt is not { } ended || !WentWell(exit)) continue;
            if (!int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var vmid)) continue;
            if (!last.TryGetValue(vmid, out var known) || ended > known) last[vmid] = ended;
        }
        return last;
    }

    private static bool WentWell(string? exit) => exit == "OK" || (exit?.StartsWith("WARNINGS: ", StringComparison.Ordinal) ?? false);
}

namespace ActorMigration.Domain.Balance;

/// <summary>A VM moved (successfully, by anyone) less than <c>cooldown</c> ago is not moved by the rebalancer again.</summary>
public static class Cooldown
{
    public static bool Allows(DateTimeOffset? lastMovedAt, DateTimeOffset at, TimeSpan cooldown) =>
        lastMovedAt is not { } last || at - last >= cooldown;

    public static bool Allows(int vmid, IReadOnlyDictionary<int, DateTimeOffset> lastMoved, DateTimeOffset at, TimeSpan cooldown) =>
        Allows(lastMoved.TryGetValue(vmid, out var t) ? t : null, at, cooldown);
}

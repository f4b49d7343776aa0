namespace ActorMigration.Domain.Scheduling;

/// <summary>
/// What a migration waits in the queue as: its class (priority, fixed by origin) and, for bulk actions, a group whose
/// running members are capped at <paramref name="GroupCap"/> (migrateall's <c>maxworkers</c>).
/// </summary>
public sealed record MigrationSlot(string Class, string? Group = null, int? GroupCap = null);

/// <summary>Slot classes by origin: evacuation before user requests before the rebalancer.</summary>
public static class SlotClasses
{
    public const string Maintenance = "maintenance", User = "user", Rebalance = "rebalance";

    /// <summary>Higher goes first; an unknown class is last.</summary>
    public static int Priority(string cls) => cls switch
    {
        Maintenance => 3,
        User => 2,
        Rebalance => 1,
        _ => 0,
    };
}

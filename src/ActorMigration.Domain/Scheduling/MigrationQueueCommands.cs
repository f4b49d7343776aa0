namespace ActorMigration.Domain.Scheduling;

/// <summary>A command to the migration queue.</summary>
public interface IQueueCommand;

/// <summary>Asks a slot for the migration <paramref name="Upid"/>; asking again is a no-op.</summary>
public sealed record RequestSlot(string Upid, int VmId, string Source, string Target, MigrationSlot Slot) : IQueueCommand;

/// <summary>Gives the slot (or the place in the queue) back; an unknown UPID is a no-op.</summary>
public sealed record ReleaseSlot(string Upid, string Why) : IQueueCommand;

/// <summary>Grants what fits now (limits or maintenance changed, or a tick).</summary>
public sealed record Regrant : IQueueCommand;

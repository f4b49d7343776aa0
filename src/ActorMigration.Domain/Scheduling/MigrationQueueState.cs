using System.Collections.Immutable;

namespace ActorMigration.Domain.Scheduling;

/// <summary>
/// One migration in the queue. <paramref name="Seq"/> is its arrival number; <paramref name="Since"/> is when it was
/// queued while it waits, and when it was granted once it runs.
/// </summary>
public sealed record QueueEntry(string Upid, int VmId, string Source, string Target, MigrationSlot Slot, long Seq, DateTimeOffset Since);

/// <summary>The queue: waiting entries and running ones (holding a slot), by UPID.</summary>
public sealed record MigrationQueueState(
    long NextSeq, ImmutableSortedDictionary<string, QueueEntry> Queued, ImmutableSortedDictionary<string, QueueEntry> Running)
{
    public static readonly MigrationQueueState Empty = new(0,
        ImmutableSortedDictionary.Create<string, QueueEntry>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, QueueEntry>(StringComparer.Ordinal));

    public bool Knows(string upid) => Queued.ContainsKey(upid) || Running.ContainsKey(upid);
}

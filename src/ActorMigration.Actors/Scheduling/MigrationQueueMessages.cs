using ActorMigration.Domain.Scheduling;

namespace ActorMigration.Actors.Scheduling;

/// <summary>Messages of the migration queue singleton, bound to our serializer.</summary>
public interface IMigrationQueueMessage;

/// <summary>
/// A migration asks for its slot (queued on the first ask). Answered with <see cref="SlotReply"/> at once when it holds
/// the slot, else when it is granted or refused, or after <paramref name="MaxWait"/> (a long poll).
/// </summary>
public sealed record AskSlot(string Upid, int VmId, string Source, string Target, MigrationSlot Slot, TimeSpan MaxWait) : IMigrationQueueMessage;

/// <summary>Granted; or still queued with <paramref name="Ahead"/> entries before it; or refused (the reason).</summary>
public sealed record SlotReply(bool Granted, int Ahead, string? Refused) : IMigrationQueueMessage;

/// <summary>Gives the slot (or the place in the queue) back; answered with <see cref="SlotGivenBack"/>, also for an unknown UPID.</summary>
public sealed record GiveBackSlot(string Upid, string Why) : IMigrationQueueMessage;

public sealed record SlotGivenBack(string Upid) : IMigrationQueueMessage;

/// <summary>Answered with <see cref="MigrationQueueView"/>.</summary>
public sealed record GetMigrationQueue : IMigrationQueueMessage;

/// <summary>One queued migration with its position (entries before it, all nodes counted).</summary>
public sealed record QueuedMigration(QueueEntry Entry, int Ahead);

/// <summary>
/// The queue as the API shows it: the limits in force (null while the cluster configuration was not read yet), the
/// running migrations and the queued ones in grant order.
/// </summary>
public sealed record MigrationQueueView(MigrationLimits? Limits, IReadOnlyList<QueueEntry> Running, IReadOnlyList<QueuedMigration> Queued)
    : IMigrationQueueMessage;

/// <summary>Registry key of the migration queue singleton's proxy.</summary>
public sealed class MigrationQueueSingleton;

namespace ActorMigration.Domain.Scheduling;

/// <summary>An event of the migration queue.</summary>
public interface IQueueEvent;

/// <summary>The migration waits; carries its whole entry with its arrival number.</summary>
public sealed record SlotQueued(QueueEntry Entry) : IQueueEvent;

/// <summary>The migration holds a slot from <paramref name="At"/> on.</summary>
public sealed record SlotGranted(string Upid, DateTimeOffset At) : IQueueEvent;

/// <summary>The migration left the queue (ended, aborted, or refused: see <paramref name="Why"/>).</summary>
public sealed record SlotReleased(string Upid, string Why, DateTimeOffset At) : IQueueEvent;

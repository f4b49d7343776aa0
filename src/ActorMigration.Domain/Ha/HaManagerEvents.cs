namespace ActorMigration.Domain.Ha;

/// <summary>Events of the HA manager (persisted by its singleton).</summary>
public interface IHaManagerEvent;

/// <summary>A node's fencing state changed to <c>fence</c>, <c>fenced</c> or back to <c>online</c>; <see cref="Lines"/> go to its history.</summary>
public sealed record HaNodeStateChanged(string Node, string State, IReadOnlyList<string> Lines, DateTimeOffset At) : IHaManagerEvent;

/// <summary>A recovery task was planned: <see cref="Kind"/> is <c>recover</c> (from a fenced node), <c>restart</c> or <c>relocate</c>.</summary>
/// <see cref="Start"/>: the resource was requested started; <see cref="History"/>: the fencing lines for its task log.
public sealed record HaRecoveryPlanned(string Sid, string Upid, string From, string To, string Kind, bool Start,
    IReadOnlyList<string> History, DateTimeOffset At) : IHaManagerEvent;

/// <summary>The recovery task ended; <see cref="Error"/> null when it ended OK.</summary>
public sealed record HaRecoveryEnded(string Sid, string Upid, string? Error, DateTimeOffset At) : IHaManagerEvent;

/// <summary>Restarts and relocations are exhausted: the resource is in <c>error</c> until someone acts.</summary>
public sealed record HaServiceFailed(string Sid, string Reason, DateTimeOffset At) : IHaManagerEvent;

/// <summary>The manager no longer acts on the resource (removed, ignored, disabled, or its VM is gone).</summary>
public sealed record HaServiceCleared(string Sid, DateTimeOffset At) : IHaManagerEvent;

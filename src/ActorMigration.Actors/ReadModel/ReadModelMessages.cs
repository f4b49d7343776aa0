namespace ActorMigration.Actors.ReadModel;

/// <summary>Queries of the read model (may lag a little behind the entities). Local to each member.</summary>
public interface IReadModelQuery;

/// <summary>→ <see cref="VmList"/></summary>
public sealed record ListVms(string? Node = null) : IReadModelQuery;

/// <summary>→ <see cref="TaskList"/>, newest first.</summary>
public sealed record ListTasks(string? Node = null, bool IncludeRunning = true) : IReadModelQuery;

/// <summary>One task by UPID. → <see cref="TaskFound"/></summary>
public sealed record FindTask(string Upid) : IReadModelQuery;

/// <summary>The task if this model has seen it start; <see cref="CaughtUp"/>: the model has read the whole journal once.</summary>
public sealed record TaskFound(TaskEntry? Task, bool CaughtUp);

/// <summary>First vmid ≥ <see cref="Lower"/> no VM uses. → <see cref="NextIdReply"/></summary>
public sealed record NextFreeId(int Lower = 100) : IReadModelQuery;

/// <summary>→ <see cref="ReadModelStatus"/></summary>
public sealed record GetReadModelStatus : IReadModelQuery;

/// <summary>A VM as listed. <paramref name="Node"/> is null only for a damaged record whose first event is unreadable;
/// <paramref name="Error"/> says what of the record cannot be read (<see cref="Domain.Vms.VmState.Error"/>).</summary>
public sealed record VmEntry(int VmId, string? Node, string ConfigText, string? Lock, string? Error = null);

public sealed record VmList(IReadOnlyList<VmEntry> Vms);

public sealed record TaskEntry(string Upid, string Node, string Type, string Id, string User, DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt, string? ExitStatus);

public sealed record TaskList(IReadOnlyList<TaskEntry> Tasks);

public sealed record NextIdReply(int VmId);

public sealed record ReadModelStatus(bool CaughtUp, long Offset, int Vms, int Tasks);

/// <summary>
/// Published on this member's event stream by the entity that just persisted a tagged event, so the local read
/// model applies it at once instead of at the next tag poll. <see cref="PreviousTaggedSequenceNr"/> is the
/// sequence number of the entity's previous tagged event (0: none, -1: unknown); the read model applies the push
/// only if that is the last one it holds for the entity, and otherwise leaves the event to the tag poll.
/// </summary>
public sealed record TaggedEventPersisted(string PersistenceId, long SequenceNr, long PreviousTaggedSequenceNr, object Event);

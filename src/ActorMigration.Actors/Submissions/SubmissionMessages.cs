using ActorMigration.Actors.Workflows;

namespace ActorMigration.Actors.Submissions;

/// <summary>A command to the claim of one caller's client request id (sharded by <see cref="EntityId"/>).</summary>
public interface ISubmissionCommand
{
    string EntityId { get; }
}

/// <summary>
/// Claims the id for <paramref name="Start"/> unless a live claim exists: persisted before the task is started, so a
/// retry after a crash finds it. The reply is the claim that holds (this one or the earlier one).
/// </summary>
public sealed record ClaimSubmission(string EntityId, string Key, string User, string Fingerprint, StartTask Start, DateTimeOffset At)
    : ISubmissionCommand;

/// <summary>The live claim at <paramref name="At"/>, if any.</summary>
public sealed record GetSubmission(string EntityId, DateTimeOffset At) : ISubmissionCommand;

/// <summary>The claim that holds (its request's fingerprint and the task start it names), or none.</summary>
public sealed record SubmissionReply(string? Fingerprint, StartTask? Start)
{
    public static readonly SubmissionReply None = new(null, null);
}

/// <summary>Persisted: the id names this task start from <paramref name="At"/> on (for <c>IdempotencyKeys.Lifetime</c>).</summary>
public sealed record SubmissionClaimed(string Key, string User, string Fingerprint, StartTask Start, DateTimeOffset At);

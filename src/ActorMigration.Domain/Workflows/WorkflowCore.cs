using System.Collections.Immutable;
using ActorMigration.Domain.Tasks;

namespace ActorMigration.Domain.Workflows;

/// <summary>What every workflow state holds: its task log and step bookkeeping.</summary>
public sealed record WorkflowCore(
    string Upid,
    bool Started,
    DateTimeOffset StartedAt,
    ImmutableList<string> Log,
    DateTimeOffset LastLogAt,
    ImmutableHashSet<string> Done,
    ImmutableDictionary<string, int> Attempts,
    string? Error,
    bool RollingBack,
    bool PastPointOfNoReturn,
    int Warnings,
    bool Finished,
    string? ExitStatus,
    DateTimeOffset? EndedAt,
    bool Rejected,
    bool Accepted = false)
{
    public static WorkflowCore Create(string upid) => new(
        upid, false, default, ImmutableList<string>.Empty, default, ImmutableHashSet<string>.Empty,
        ImmutableDictionary<string, int>.Empty, null, false, false, 0, false, null, null, false);

    public bool IsRunning => Started && !Finished;

    public int AttemptsOf(string key) => Attempts.TryGetValue(key, out var n) ? n : 0;

    public WorkflowCore Apply(ITaskEvent e) => e switch
    {
        TaskStarted s => this with { Started = true, StartedAt = s.At, LastLogAt = s.At },
        TaskLogged l => this with { Log = Log.AddRange(l.Lines), LastLogAt = l.At },
        TaskFinished f => this with
        {
            Finished = true,
            ExitStatus = f.ExitStatus,
            EndedAt = f.At,
            Log = Log.Add(TaskLog.FinalLine(f.ExitStatus))
        },
        TaskAccepted => this with { Accepted = true },
        TaskRejected r => this with { Rejected = true, Finished = true, ExitStatus = r.Error, EndedAt = r.At },
        StepCompleted c => this with { Done = Done.Add(c.Key), Attempts = Attempts.Remove(c.Key) },
        StepAttemptFailed a => this with { Attempts = Attempts.SetItem(a.Key, AttemptsOf(a.Key) + 1) },
        StepAttemptsReset r => this with { Attempts = Attempts.Remove(r.Key) },
        WorkflowFailed f => PastPointOfNoReturn
            ? this with { Error = Error ?? f.Reason }
            : this with { Error = Error ?? f.Reason, RollingBack = true },
        PointOfNoReturnPassed => this with { PastPointOfNoReturn = true },
        TaskWarned => this with { Warnings = Warnings + 1 },
        _ => this
    };
}

/// <summary>A workflow state: its core plus what the workflow itself needs.</summary>
public interface IWorkflowState<TSelf> where TSelf : IWorkflowState<TSelf>
{
    WorkflowCore Core { get; }
    TSelf WithCore(WorkflowCore core);
}

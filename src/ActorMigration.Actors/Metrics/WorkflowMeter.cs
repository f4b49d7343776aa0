using System.Diagnostics;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Actors.Metrics;

/// <summary>One workflow actor's side of <see cref="WorkflowMetrics"/>: what it runs, since when, and its write times.</summary>
public sealed class WorkflowMeter(WorkflowMetrics metrics, string type, string upid)
{
    private long _stepSince;
    private bool _startedHere;

    public void Started() => _startedHere = true;

    public void Changed(WorkflowCore core) => metrics.Track(type, core, _startedHere);

    public void StepDispatched() => _stepSince = Stopwatch.GetTimestamp();

    public void StepEnded(WorkflowStep step) => metrics.StepTook(step.GetType().Name, Stopwatch.GetElapsedTime(_stepSince));

    /// <summary>A timestamp to pass to <see cref="Written"/> once the journal confirmed the write.</summary>
    public static long Writing() => Stopwatch.GetTimestamp();

    public void Written(long since) => metrics.JournalWriteTook(type, Stopwatch.GetElapsedTime(since));

    public void Stopped() => metrics.Forget(upid);
}

using ActorMigration.Domain.Workflows;
using Prometheus;

namespace ActorMigration.Actors.Metrics;

/// <summary>
/// Per member: the workflows loaded here by type and state, those that finished here, step durations by step type and
/// the journal's write latency as the workflow actors see it (from Persist/PersistAll to the last handler).
/// </summary>
public sealed class WorkflowMetrics(IMetricFactory factory)
{
    /// <summary>The values of the <c>state</c> label of <c>actormigration_workflows</c>.</summary>
    public static readonly string[] States = ["running", "rolling_back", "succeeded", "failed", "rejected"];

    private readonly Gauge _loaded = factory.CreateGauge("actormigration_workflows",
        "Workflows loaded on this member by type and state (finished ones until they are unloaded, ~30 s after their end).", ["type", "state"]);

    private readonly Counter _finished = factory.CreateCounter("actormigration_workflows_finished_total",
        "Workflows that finished on this member since it started, by type and final state.", ["type", "state"]);

    private readonly Histogram _steps = factory.CreateHistogram("actormigration_workflow_step_duration_seconds",
        "Time from dispatching a workflow step to its result, by step type.", ["step"],
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2.5, 14) });

    private readonly Histogram _journal = factory.CreateHistogram("actormigration_journal_write_seconds",
        "Time from a workflow's Persist/PersistAll to its last handler (the journal write), by workflow type.", ["type"],
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });

    private readonly Dictionary<string, (string Type, string State)> _tracked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _types = new(StringComparer.Ordinal);

    /// <summary>The state label of a workflow; null before it started (an actor woken by a status query).</summary>
    public static string? StateOf(WorkflowCore core) => !core.Started ? null
        : core.Rejected ? "rejected"
        : core.Finished ? core.Error is null ? "succeeded" : "failed"
        : core.RollingBack ? "rolling_back"
        : "running";

    /// <summary>
    /// A workflow actor's state now. A finish is counted when it was seen running here, or when the workflow started
    /// here (<paramref name="startedHere"/>: it may start and end in one write), not when a finished one is reloaded.
    /// </summary>
    public void Track(string type, WorkflowCore core, bool startedHere)
    {
        if (StateOf(core) is not { } state) return;
        lock (_tracked)
        {
            if (_types.Add(type))
                foreach (var s in States)
                {
                    _loaded.WithLabels(type, s).IncTo(0);
                    if (s is not ("running" or "rolling_back")) _finished.WithLabels(type, s).IncTo(0);
                }
            var known = _tracked.TryGetValue(core.Upid, out var was);
            if (known && was.State == state) return;
            if (known) _loaded.WithLabels(type, was.State).Dec();
            if (core.Finished && (known ? was.State is "running" or "rolling_back" : startedHere)) _finished.WithLabels(type, state).Inc();
            _tracked[core.Upid] = (type, state);
            _loaded.WithLabels(type, state).Inc();
        }
    }

    /// <summary>The workflow actor stopped (unloaded or moved to another member).</summary>
    public void Forget(string upid)
    {
        lock (_tracked)
            if (_tracked.Remove(upid, out var was))
                _loaded.WithLabels(was.Type, was.State).Dec();
    }

    public void StepTook(string step, TimeSpan elapsed) => _steps.WithLabels(step).Observe(elapsed.TotalSeconds);

    public void JournalWriteTook(string type, TimeSpan elapsed) => _journal.WithLabels(type).Observe(elapsed.TotalSeconds);
}

using System.Text;
using ActorMigration.Actors.Metrics;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Actors.Tests.Metrics;

/// <summary>The workflow gauges and the finish counter: what is counted when a workflow runs, ends, rolls back or is reloaded.</summary>
public sealed class WorkflowMetricsTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch.AddDays(20000);
    private readonly MemberMetrics _m = new();

    private static WorkflowCore Core(string upid, params ITaskEvent[] events) =>
        events.Aggregate(WorkflowCore.Create(upid), (c, e) => c.Apply(e));

    private string Text()
    {
        using var s = new MemoryStream();
        _m.Registry.CollectAndExportAsTextAsync(s).GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(s.ToArray());
    }

    private double Value(string series)
    {
        var line = Text().Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private double Loaded(string state) => Value($"actormigration_workflows{{type=\"migration\",state=\"{state}\"}}");
    private double Finished(string state) => Value($"actormigration_workflows_finished_total{{type=\"migration\",state=\"{state}\"}}");

    [Fact]
    public void A_workflow_moves_between_states_and_its_end_is_counted_once()
    {
        var w = new WorkflowMeter(_m.Workflows, "migration", "u1");
        w.Changed(Core("u1"));
        Assert.True(double.IsNaN(Loaded("running")), "nothing before the workflow started");
        w.Changed(Core("u1", new TaskStarted("u1", At)));
        Assert.Equal((1, 0, 0), (Loaded("running"), Loaded("rolling_back"), Loaded("failed")));
        w.Changed(Core("u1", new TaskStarted("u1", At), new WorkflowFailed("boom", At)));
        Assert.Equal((0, 1), (Loaded("running"), Loaded("rolling_back")));
        var failed = Core("u1", new TaskStarted("u1", At), new WorkflowFailed("boom", At), new TaskFinished("u1", "migration aborted", At));
        w.Changed(failed);
        w.Changed(failed);
        Assert.Equal((0, 1, 1, 0), (Loaded("rolling_back"), Loaded("failed"), Finished("failed"), Finished("succeeded")));
        w.Stopped();
        Assert.Equal(0, Loaded("failed"));
    }

    [Fact]
    public void A_finished_workflow_loaded_again_is_not_counted_but_one_that_started_and_ended_here_in_one_write_is()
    {
        var done = Core("u2", new TaskStarted("u2", At), new TaskFinished("u", "OK", At));
        new WorkflowMeter(_m.Workflows, "migration", "u2").Changed(done);
        Assert.Equal((1, 0), (Loaded("succeeded"), Finished("succeeded")));

        var fresh = new WorkflowMeter(_m.Workflows, "migration", "u3");
        fresh.Started();
        fresh.Changed(Core("u3", new TaskStarted("u3", At), new TaskFinished("u", "OK", At)));
        Assert.Equal((2, 1), (Loaded("succeeded"), Finished("succeeded")));
    }
}

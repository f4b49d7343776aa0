using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>
/// The live disks' mirrors until all are ready: errors and cancelled jobs fail the migration, progress is logged at
/// most once a second, and mirrors that send nothing for the progress timeout fail it too (no poll loops forever).
/// </summary>
public static class MigrationMirrors
{
    public static IEnumerable<IWorkflowEvent> OnPolled(MigrationWorkflowState s, WorkflowStep step, MirrorsPolled p, DateTimeOffset at)
    {
        if (p.Jobs.FirstOrDefault(j => j.Error is not null || j.Status is "concluded" && !j.Ready) is { } bad)
        {
            yield return new WorkflowFailed($"mirroring error: drive-{bad.Device}: {bad.Error ?? bad.Status}", at);
            yield break;
        }
        // BlockJob::monitor: a job that vanished before completion was cancelled.
        var expected = s.Plan!.LiveDisks.Select(d => d.Drive).ToList();
        if (expected.FirstOrDefault(d => p.Jobs.All(j => j.Device != d)) is { } gone)
        {
            yield return new WorkflowFailed($"mirroring error: drive-{gone}: 'mirror' has been cancelled", at);
            yield break;
        }
        var ready = p.Jobs.Count > 0 && p.Jobs.All(j => j.Ready);
        var logDue = ready || at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1);
        var lines = p.Jobs.Select(j =>
            $"drive-{j.Device}: {SizeFormat.Transferred(j.Offset, j.Length)}"
            + (j.Ready ? ", ready" : "")).ToArray();
        if (logDue) yield return new TaskLogged(lines.Select(l => Tasks.TaskLog.Line(at, l)).ToArray(), at);
        if (ready)
        {
            yield return new TaskLogged([Tasks.TaskLog.Line(at, "all 'mirror' jobs are ready")], at);
            yield return new StepCompleted(step.Key);
            yield break;
        }

        var (mark, stalled) = MirrorsProgressed.Check(s.MirrorsProgress, p.Jobs, at, logDue, s.Request!.ProgressTimeoutSec, lines);
        if (mark is not null) yield return mark;
        if (stalled is not null) yield return new WorkflowFailed(stalled, at);
    }
}

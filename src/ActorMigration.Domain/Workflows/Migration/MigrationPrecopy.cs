using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Migration.Convergence;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>
/// The online migration from the migrate command to completion: the convergence controller reads every poll and its
/// actions become steps (TuneMigration, StartPostcopy), abort ends the migration; force-complete is the user's shortcut.
/// </summary>
public static class MigrationPrecopy
{
    public const string StartKey = "migrate";
    public const string PollKey = "precopy";
    public const string PostcopyKey = "postcopy";
    public const string PostcopyResumeKey = "postcopy-resume";

    public static string TuneKey(int i) => $"tune:{i + 1}";

    private static IConvergencePolicy Policy => ConvergenceController.Instance;

    /// <summary>The controller's view of this migration: the request's limits, the VM's memory and live disks.</summary>
    public static ConvergenceSettings Settings(MigrationWorkflowState s)
    {
        var plan = s.Plan!;
        // Post-copy hands the guest to the target before its disks are mirrored to the end: not with local disks.
        return ConvergenceSettings.Of(s.Request!, plan.DowntimeLimitMs, VmMemory.Bytes(QmConfig.Parse(plan.ConfigText).Main),
            plan.LiveDisks.Sum(d => d.SizeBytes), postCopyPossible: !plan.LiveDisks.Any());
    }

    public static StartMigration Start(MigrationWorkflowState s)
    {
        var settings = Settings(s);
        var first = Policy.Start(settings);
        return new StartMigration(StartKey, s.Request!.Source, s.Request.VmId, new MigrationStartSpec(s.IncomingUri ?? "",
            s.Plan!.BwLimitKiB * 1024, first.Tuning.DowntimeLimitMs, first.AutoConverge, first.Tuning.ThrottleCeilingPct, settings.PostCopyAllowed));
    }

    /// <summary>The steps between the migrate command and the poll that waits for completion: the controller's actions.</summary>
    public static IEnumerable<WorkflowStep> Actions(MigrationWorkflowState s)
    {
        var req = s.Request!;
        var tunings = s.Tunings ?? [];
        for (var i = 0; i < tunings.Count; i++)
            yield return new TuneMigration(TuneKey(i), req.Source, req.VmId, tunings[i]) { RecordWithNext = true };
        if (!s.PostcopyRequested) yield break;
        yield return new StartPostcopy(PostcopyKey, req.Source, req.VmId);
        // The incoming VM waits paused (-S): it runs from the switch on, before its last pages arrive.
        yield return new ResumeVm(PostcopyResumeKey, req.Target, req.VmId);
    }

    public static IEnumerable<IWorkflowEvent> OnStarted(MigrationWorkflowState s, DateTimeOffset at)
    {
        yield return new MigrationStarted(at, Policy.Start(Settings(s)));
    }

    public static IEnumerable<IWorkflowEvent> OnPolled(MigrationWorkflowState s, WorkflowStep step, MigrationProgress p, DateTimeOffset at)
    {
        switch (p.Status)
        {
            case MigrationState.Completed:
            {
                var seconds = Math.Max(0.001, (p.TotalTimeMs ?? 0) / 1000.0);
                yield return new MigrationCompleted(p.TransferredBytes, p.TotalTimeMs ?? 0, p.DowntimeMs ?? 0, p.DirtySyncCount);
                yield return Log(at,
                    $"average migration speed: {SizeFormat.Human(p.TransferredBytes / seconds)}/s - downtime {p.DowntimeMs ?? 0} ms",
                    "migration status: completed");
                yield return new StepCompleted(step.Key);
                yield break;
            }
            case MigrationState.Failed or MigrationState.Cancelled or MigrationState.Cancelling:
                yield return new WorkflowFailed($"migration status " +
                    $"error: {(p.Error is { } err ? $"failed - {err}" : p.Status.ToString().ToLowerInvariant())}", at);
                // Past post-copy nothing rolls back: the poll ends and the steps after it find what is left.
                if (s.Core.PastPointOfNoReturn) yield return new StepCompleted(step.Key);
                yield break;
            case MigrationState.None:
                yield return new WorkflowFailed("migration not active on source", at);
                yield break;
        }

        var logDue = at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1) && p.TotalBytes > 0;
        if (logDue) yield return Log(at, Progress(p));
        if (p.Status is not (MigrationState.Active or MigrationState.PostcopyActive) || p.TotalBytes == 0) yield break;

        var started = s.PrecopyStartedAt ?? at;
        var settings = Settings(s); // parses the config: once per poll
        var current = s.Convergence ?? Policy.Start(settings);
        if (s.PrecopyStartedAt is null) yield return new MigrationStarted(at, current);
        var d = Policy.Decide(current, ConvergenceSample.Of(p, (at - started).TotalSeconds), settings);
        foreach (var e in OnDecision(s, d, at)) yield return e;
        if (d.Action is null && d.State != current && logDue) yield return new MigrationConvergenceNoted(d.State);
    }

    /// <summary>Null: force-complete is taken now; else why not.</summary>
    public static string? ForceCompleteRefusal(MigrationWorkflowState s)
    {
        var done = s.Core.Done;
        if (!s.Core.IsRunning || s.Core.RollingBack || s.Plan is not { Online: true } || !done.Contains(StartKey) || done.Contains(PollKey))
            return $"migration of VM {s.Request?.VmId} is not in pre-copy (phase {s.Phase})";
        return s.PostcopyRequested ? $"migration of VM {s.Request!.VmId} is already in post-copy" : null;
    }

    public static IEnumerable<IWorkflowEvent> OnForceComplete(MigrationWorkflowState s, DateTimeOffset at)
    {
        var settings = Settings(s);
        var current = s.Convergence ?? Policy.Start(settings);
        var elapsed = ((s.PrecopyStartedAt is { } t ? at - t : TimeSpan.Zero)).TotalSeconds;
        return OnDecision(s, ConvergenceController.ForceComplete(current, settings, elapsed), at);
    }

    private static IEnumerable<IWorkflowEvent> OnDecision(MigrationWorkflowState s, ConvergenceDecision d, DateTimeOffset at)
    {
        switch (d.Action)
        {
            case TuneAction t:
                yield return new MigrationTuned(t.Tuning, d.State);
                yield return Log(at, $"{t.Reason} (downtime-limit {t.Tuning.DowntimeLimitMs} ms" +
                    (t.Tuning.ThrottleCeilingPct is { } pct ? $", max-cpu-throttle {pct}%)" : ")"));
                break;
            case PostcopyAction pc:
                yield return new MigrationPostcopyRequested(d.State);
                yield return new PointOfNoReturnPassed(at);
                yield return Log(at, pc.Reason, $"VM {s.Request!.VmId} runs on node '{s.Request.Target}' from the switch on");
                break;
            case AbortAction a:
                yield return new WorkflowFailed(a.Reason, at);
                break;
        }
    }

    private static string[] Progress(MigrationProgress p)
    {
        var lines = new List<string>
        {
            $"migration {(p.Status == MigrationState.PostcopyActive ? "post-copy" : "active")}, transferred {SizeFormat.Human(p.TransferredBytes)} of " +
            $"{SizeFormat.Human(p.TotalBytes)} VM-state, {SizeFormat.Human(p.SpeedBytesPerSec)}/s"
        };
        if (p.DirtyPagesRate > 0 || p.DirtySyncCount > 1)
            lines.Add($"migration iteration {p.DirtySyncCount}, remaining {SizeFormat.Human(p.RemainingBytes)}, dirty " +
                $"rate {SizeFormat.Human(p.DirtyBytesPerSec)}/s, expected downtime {p.ExpectedDowntimeMs ?? 0} ms" +
                (p.ThrottlePct > 0 ? $", throttle {p.ThrottlePct}%" : ""));
        return lines.ToArray();
    }

    private static TaskLogged Log(DateTimeOffset at, params string[] lines) =>
        new(lines.Select(l => Tasks.TaskLog.Line(at, l)).ToArray(), at);
}

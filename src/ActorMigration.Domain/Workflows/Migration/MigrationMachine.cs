using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Scheduling;

namespace ActorMigration.Domain.Workflows.Migration;

/// <summary>
/// Online: prepare → start-incoming → precopy-iterations → stop-and-copy → conntrack-transfer → cleanup.
/// Offline: prepare → copy-disks → move-config → cleanup. The owner move is the point of no return.
/// Between the lock and prepare it waits for a slot of the migration queue (phase <c>queued (n ahead)</c>) and gives it
/// back before the unlock; a workflow from a journal older than the queue (no slot) has no slot steps.
/// </summary>
public sealed class MigrationMachine : WorkflowMachine<MigrationWorkflowState>
{
    public const string OwnerKey = "owner";
    public const string ConfirmKey = "confirm-target";
    public const string SlotKey = "slot";

    /// <summary>How long one slot poll waits in the queue before it answers "still queued".</summary>
    public static readonly TimeSpan SlotMaxWait = TimeSpan.FromSeconds(2);

    /// <summary>A changed queue position is written (and logged) at most this often.</summary>
    public static readonly TimeSpan QueuedLogEvery = TimeSpan.FromSeconds(5);
    public static string CopyKey(DiskMove d) => $"copy:{d.Drive}";

    /// <summary>How long the target may take to finish loading the incoming state after the source completed.</summary>
    public static readonly TimeSpan ConfirmWait = TimeSpan.FromSeconds(10);

    public override MigrationWorkflowState Initial(string upid) =>
        new(WorkflowCore.Create(upid), null, null, null, null, null, null);

    protected override MigrationWorkflowState ApplyOwn(MigrationWorkflowState s, IWorkflowEvent e) => e switch
    {
        MigrationRequested r => s with { Request = r.Request },
        MigrationPrepared p => s with { Plan = p.Plan },
        MigrationIncomingStarted i => s with { IncomingUri = i.Uri, NbdUri = i.NbdUri },
        MigrationCompleted c => s with { Stats = new MigrationStats(c.TransferredBytes, c.TotalTimeMs, c.DowntimeMs, c.Iterations) },
        MigrationConntrackTransferred c => s with { ConntrackEntries = c.Entries },
        MigrationSlotRequested r => s with { Slot = r.Slot },
        MigrationQueued q => s with { QueuedAhead = q.Ahead, QueuedLoggedAt = q.At },
        MigrationStarted m => s with { PrecopyStartedAt = m.At, Convergence = m.Convergence },
        MigrationConvergenceNoted c => s with { Convergence = c.Convergence },
        MigrationTuned t => s with { Convergence = t.Convergence, Tunings = [.. s.Tunings ?? [], t.Tuning] },
        MigrationPostcopyRequested p => s with { Convergence = p.Convergence, PostcopyRequested = true },
        MirrorsProgressed m => s with { MirrorsProgress = m },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(MigrationWorkflowState s, object request, DateTimeOffset at)
    {
        // A bare request is a user's (POST …/migrate); bulk actions and the rebalancer send an order with their class.
        var (req, slot) = request switch
        {
            MigrationOrder o => (o.Request, o.Slot),
            MigrationRequest r => (r, new MigrationSlot(SlotClasses.User)),
            _ => throw new ArgumentException($"a migration starts from a request, not {request.GetType().Name}", nameof(request)),
        };
        yield return new MigrationRequested(req);
        yield return new MigrationSlotRequested(slot);
    }

    protected override IEnumerable<WorkflowStep> Forward(MigrationWorkflowState s)
    {
        var req = s.Request!;
        yield return new LockVm("lock", req.VmId, "migrate", req.Source);
        if (s.Slot is { } slot)
            yield return new AcquireSlot(SlotKey, req.VmId, req.Source, req.Target, slot, SlotMaxWait);
        yield return new GatherMigrationFacts("prepare", req.VmId, req.Source, req.Target);
        if (s.Plan is not { } plan) yield break;

        foreach (var d in plan.CopiedDisks)
            yield return new CopyDisk(CopyKey(d), req.Source, req.Target, d.SrcVolid, d.DstVolid, d.Format, d.SizeBytes, req.BwLimitKiB, d.WithSnapshots);

        if (plan.Online)
        {
            var live = plan.LiveDisks.ToList();
            var poll = TimeSpan.FromMilliseconds(req.PollIntervalMs);
            if (live.Count > 0)
                yield return new AllocateVolumes("alloc", req.Target, live.Select(d => new VolumeAlloc(d.DstVolid, d.Format, d.SizeBytes)).ToList());
            yield return new StartVm("incoming", req.Target, req.VmId, plan.IncomingConfigText,
                new IncomingSpec(plan.TargetAddress, live.Select(d => d.Drive).ToList(), MigrationPrecopy.Settings(s).PostCopyAllowed), s.Core.Upid);
            if (live.Count > 0)
            {
                yield return new StartMirrors("mirror-start", req.Source, req.VmId,
                    live.Select(d => new MirrorJob(d.Drive, new MirrorTarget($"{s.NbdUri}:exportname=drive-{d.Drive}", "raw",
                        req.BwLimitKiB * 1024))).ToList());
                yield return new PollMirrors("mirror-ready", req.Source, req.VmId, poll);
            }
            yield return MigrationPrecopy.Start(s);
            foreach (var action in MigrationPrecopy.Actions(s)) yield return action;
            yield return new PollMigration(MigrationPrecopy.PollKey, req.Source, req.VmId, poll);
            if (live.Count > 0)
            {
                yield return new FinishMirrors("mirror-finish", req.Source, req.VmId, live.Select(d => d.Drive).ToList(), Pivot: false);
                yield return new StopNbd("nbd-stop", req.Target, req.VmId);
            }
            // The target confirms it holds the complete VM, paused, before the owner moves; a re-run finds it the same.
            yield return new ConfirmIncoming(ConfirmKey, req.Target, req.VmId, s.Core.Upid, ConfirmWait)
            {
                RecordWithNext = true, Running = s.PostcopyRequested
            };
            if (req.WithConntrackState)
                yield return new TransferConntrack("conntrack", req.Source, req.Target, req.VmId);
        }

        yield return new MoveVm(OwnerKey, req.VmId, req.Source, req.Target, plan.NewConfigText);
        if (plan.Online)
        {
            // Both re-check the process (running / gone), so after a crash they may simply run again: their
            // completion rides on the next write, which keeps two journal round trips off the switchover.
            yield return new ResumeVm("resume-target", req.Target, req.VmId) { RecordWithNext = true };
            yield return new StopVm("stop-source", req.Source, req.VmId) { RecordWithNext = true, SkipIfNodeOffline = true };
        }
        if (plan.Disks.Count > 0)
            yield return new DeleteVolumes("free-source", req.Source, plan.Disks.Select(d => d.SrcVolid).ToList())
            {
                GoOnPastFailures = true, SkipIfNodeOffline = true
            };
        // Giving back twice is harmless, so its completion rides on the unlock's write.
        if (s.Slot is not null) yield return new ReleaseSlot("slot-release", "migration ended") { RecordWithNext = true };
        yield return new UnlockVm("unlock", req.VmId);
    }

    protected override IEnumerable<WorkflowStep> Rollback(MigrationWorkflowState s)
    {
        var req = s.Request!;
        if (s.Plan is { } plan)
        {
            var started = s.Core.Done.Contains("incoming");
            if (plan.Online && started)
            {
                yield return new CancelMigration("rb-cancel", req.Source, req.VmId);
                if (plan.LiveDisks.Any())
                    yield return new FinishMirrors("rb-mirrors", req.Source, req.VmId, plan.LiveDisks.Select(d => d.Drive).ToList(), Pivot: false);
            }
            if (plan.Online)
                yield return new StopVm("rb-stop-target", req.Target, req.VmId);
            if (plan.Disks.Count > 0)
                yield return new DeleteVolumes("rb-free-target", req.Target, plan.Disks.Select(d => d.DstVolid).ToList());
            if (plan.Online && started && plan.Running)
                yield return new ResumeVm("rb-resume-source", req.Source, req.VmId);
        }
        yield return new UnlockVm("rb-unlock", req.VmId);
        if (s.Slot is not null) yield return new ReleaseSlot("rb-slot-release", "migration aborted");
    }

    protected override IEnumerable<IWorkflowEvent> OnStepDone(MigrationWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var req = s.Request!;
        switch (step, result)
        {
            case (LockVm, _):
                yield return new StepCompleted(step.Key);
                break;

            case (AcquireSlot, SlotPolled p):
                foreach (var e in OnSlotPolled(s, step, p, at)) yield return e;
                break;

            case (AcquireSlot, _):
                yield return new WorkflowFailed($"internal error: the queue returned {result.GetType().Name} instead of a slot poll", at);
                break;

            case (GatherMigrationFacts, MigrationFacts f):
            {
                var address = f.Target?.Address ?? "unknown";
                yield return Log(at, $"starting migration of VM {req.VmId} to node '{req.Target}' ({address})");
                var (plan, error, info) = MigrationChecks.Prepare(req, f, s.Core.Upid);
                if (info.Count > 0) yield return Log(at, info.ToArray());
                if (plan is null)
                {
                    yield return new WorkflowFailed(error!, at);
                    yield break;
                }
                yield return new MigrationPrepared(plan);
                if (plan.CopiedDisks.Any()) yield return Log(at, "copying local disk images");
                if (plan.Online) yield return Log(at, $"starting VM {req.VmId} on remote node '{req.Target}'");
                yield return new StepCompleted(step.Key);
                break;
            }

            case (GatherMigrationFacts, _):
                yield return new WorkflowFailed($"internal error: prepare returned {result.GetType().Name} instead of migration facts", at);
                break;

            case (CopyDisk c, _):
                yield return Log(at, $"{c.SrcVolid}: {SizeFormat.Transferred(c.SizeBytes, c.SizeBytes)}",
                    $"volume '{c.SrcVolid}' copied to '{c.DstVolid}' on node '{c.TargetNode}'");
                yield return new StepCompleted(step.Key);
                break;

            case (StartVm, VmStarted v):
                yield return new MigrationIncomingStarted(v.Runtime.IncomingUri, v.Runtime.NbdUri);
                yield return Log(at, $"start remote tunnel", $"migration listens on {v.Runtime.IncomingUri}");
                yield return new StepCompleted(step.Key);
                break;

            case (StartMirrors m, _):
                yield return Log(at, ["starting storage migration",
                    .. m.Jobs.Select(j => $"{j.Drive}: start migration to {j.Target.Target}"),
                    .. m.Jobs.Select(j => $"drive mirror is starting for drive-{j.Drive}")]);
                yield return new StepCompleted(step.Key);
                break;

            case (PollMirrors, MirrorsPolled p):
                foreach (var e in MigrationMirrors.OnPolled(s, step, p, at)) yield return e;
                break;

            case (StartMigration m, _):
                yield return Log(at, $"starting online/live migration on {m.Spec.Uri}", "set migration capabilities",
                    $"migration downtime limit: {m.Spec.DowntimeLimitMs} ms",
                    m.Spec.MaxBandwidthBytesPerSec is { } bw ? $"migration speed limit: {SizeFormat.Human(bw)}/s" : "migration speed limit: unlimited",
                    "set migration parameters", $"start migrate command to {m.Spec.Uri}");
                foreach (var e in MigrationPrecopy.OnStarted(s, at)) yield return e;
                yield return new StepCompleted(step.Key);
                break;

            case (StartPostcopy, _):
                yield return Log(at, "switched to post-copy");
                yield return new StepCompleted(step.Key);
                break;

            case (PollMigration, MigrationPolled p):
                foreach (var e in MigrationPrecopy.OnPolled(s, step, p.Progress, at)) yield return e;
                break;

            case (FinishMirrors f, _):
                yield return Log(at, f.Drives.SelectMany(d => new[] { $"drive-{d}: Completing block job...", $"drive-{d}: Completed successfully." })
                    .Append("all 'mirror' jobs are finished").ToArray());
                yield return new StepCompleted(step.Key);
                break;

            case (TransferConntrack, ConntrackMoved c):
                yield return new MigrationConntrackTransferred(c.Count);
                yield return Log(at, $"migrated {c.Count} conntrack state {(c.Count != 1 ? "entries" : "entry")}");
                yield return new StepCompleted(step.Key);
                break;

            case (MoveVm m, _):
                yield return new PointOfNoReturnPassed(at);
                yield return Log(at, $"moved VM {req.VmId} config to node '{m.To}'");
                yield return new StepCompleted(step.Key);
                break;

            case (ResumeVm { Key: "resume-target" }, _):
                yield return Log(at, $"resumed VM {req.VmId} on node '{req.Target}'");
                yield return new StepCompleted(step.Key);
                break;

            case (DeleteVolumes { Key: "free-source" } d, var r):
            {
                // phase3_cleanup: every source volume is tried; each failure is logged and the task ends with problems.
                var failed = (r as VolumesDeleted)?.Failed ?? [];
                var removed = d.Volids.Where(v => failed.All(x => x.Volid != v)).Select(v => $"removed source volume '{v}'");
                yield return Log(at, removed.Concat(failed.Select(x => $"ERROR: removing local copy of '{x.Volid}' failed - {x.Error}")).ToArray());
                if (failed.Count > 0)
                    yield return new WorkflowFailed($"removing local copy of '{failed[0].Volid}' failed - {failed[0].Error}", at);
                yield return new StepCompleted(step.Key);
                break;
            }

            default:
                yield return new StepCompleted(step.Key);
                break;
        }
    }

    /// <summary>
    /// Granted: on to prepare. Refused (the target went into maintenance): the migration fails before prepare. Still
    /// queued: the poll runs again; a changed position is written and logged at most every <see cref="QueuedLogEvery"/>.
    /// </summary>
    private static IEnumerable<IWorkflowEvent> OnSlotPolled(MigrationWorkflowState s, WorkflowStep step, SlotPolled p, DateTimeOffset at)
    {
        if (p.Refused is { } why)
        {
            yield return new WorkflowFailed(why, at);
            yield break;
        }
        if (p.Granted)
        {
            if (s.QueuedAhead is not null)
                yield return Log(at, $"migration slot granted after {SizeFormat.Duration(at - s.Core.StartedAt)}");
            yield return new StepCompleted(step.Key);
            yield break;
        }
        if (p.Ahead is { } n && n != s.QueuedAhead && (s.QueuedLoggedAt is not { } last || at - last >= QueuedLogEvery))
        {
            yield return new MigrationQueued(n, at);
            yield return Log(at, $"queued ({n} ahead)");
        }
    }

    /// <summary>Offline copy progress, at most one line a second.</summary>
    protected override IEnumerable<IWorkflowEvent> OnProgress(MigrationWorkflowState s, WorkflowStep step, StepResult progress, DateTimeOffset at)
    {
        if (step is CopyDisk c && progress is CopyProgressed p && at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1))
            yield return Log(at, $"{c.SrcVolid}: {SizeFormat.Transferred(p.DoneBytes, p.TotalBytes)}");
    }

    public override string? Refusal(MigrationWorkflowState s, object command) => command switch
    {
        ForceCompleteMigration => MigrationPrecopy.ForceCompleteRefusal(s),
        _ => base.Refusal(s, command)
    };

    protected override IEnumerable<IWorkflowEvent> OnCommand(MigrationWorkflowState s, object command, DateTimeOffset at) => command switch
    {
        ForceCompleteMigration => [Log(at, "force-complete requested"), .. MigrationPrecopy.OnForceComplete(s, at)],
        _ => []
    };

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(MigrationWorkflowState s, DateTimeOffset at)
    {
        var duration = SizeFormat.Duration(at - s.Core.StartedAt);
        if (s.Core.Error is { } err && !s.Core.PastPointOfNoReturn)
            return ([Tasks.TaskLog.Line(at, $"ERROR: migration aborted (duration {duration}): {err}")], "migration aborted");
        if (s.Core.Error is not null)
            return ([Tasks.TaskLog.Line(at, $"ERROR: migration finished with problems (duration {duration})")], "migration problems");
        return ([Tasks.TaskLog.Line(at, $"migration finished successfully (duration {duration})")],
            Tasks.TaskLog.ExitStatus(null, s.Core.Warnings));
    }

}

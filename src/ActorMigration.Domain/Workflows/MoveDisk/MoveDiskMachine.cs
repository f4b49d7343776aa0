using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;

namespace ActorMigration.Domain.Workflows.MoveDisk;

public interface IMoveDiskEvent : IWorkflowEvent;

public sealed record MoveDiskRequested(MoveDiskRequest Request) : IMoveDiskEvent;

public sealed record MoveDiskPlanned(MoveDiskPlan Plan) : IMoveDiskEvent;

public sealed record MoveDiskWorkflowState(WorkflowCore Core, MoveDiskRequest? Request, MoveDiskPlan? Plan,
    MirrorsProgressed? MirrorsProgress = null) : IWorkflowState<MoveDiskWorkflowState>
{
    public MoveDiskWorkflowState WithCore(WorkflowCore core) => this with { Core = core };

    public string Phase => Core.Finished ? "done" : Core.RollingBack ? "rollback"
        : Plan is null ? "prepare"
        : !Core.PastPointOfNoReturn ? Plan.Live ? "mirror" : "copy"
        : "finish";
}

/// <summary>
/// qmmove, a storage migration of one disk: lock, read and plan, then live (the VM runs) drive-mirror into a new volume and
/// pivot, or offline qemu-img convert; the point of no return is the pivot (live) or the finished copy (offline). Then the
/// config names the new volume (the old one as unusedN, or removed with delete=1), unlock. Rollback before it cancels the
/// mirror and removes the new volume: the VM keeps its old one. A rollback that finds the pivot done goes forward instead.
/// </summary>
public sealed class MoveDiskMachine : WorkflowMachine<MoveDiskWorkflowState>
{
    public const string TaskType = "qmmove";

    protected override string InterruptMessage => "interrupted by signal";

    public override MoveDiskWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, null);

    protected override MoveDiskWorkflowState ApplyOwn(MoveDiskWorkflowState s, IWorkflowEvent e) => e switch
    {
        MoveDiskRequested r => s with { Request = r.Request },
        MoveDiskPlanned p => s with { Plan = p.Plan },
        MirrorsProgressed m => s with { MirrorsProgress = m },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(MoveDiskWorkflowState s, object request, DateTimeOffset at)
    {
        yield return new MoveDiskRequested((MoveDiskRequest)request);
    }

    protected override IEnumerable<WorkflowStep> Forward(MoveDiskWorkflowState s)
    {
        var r = s.Request!;
        yield return new LockVm("lock", r.VmId, MoveDiskPlanner.Lock, r.Node);
        yield return new GatherMoveDiskFacts("prepare", r.VmId, r.Node, r.Disk);
        if (s.Plan is not { } p) yield break;
        if (p.Live)
        {
            // A new volume a crashed attempt left is removed first: a mirror into old data could keep some of it.
            yield return new DeleteVolumes("clear", r.Node, [p.DstVolid]);
            yield return new AllocateVolumes("alloc", r.Node, [new VolumeAlloc(p.DstVolid, p.Format, p.SizeBytes)]);
            yield return new MirrorToVolumes("mirror-start", r.Node, r.VmId, [new VolumeMirror(p.Drive, p.DstVolid, p.Format)], r.BwLimitKiB);
            yield return new PollMirrors("mirror-ready", r.Node, r.VmId, TimeSpan.FromMilliseconds(r.PollIntervalMs));
            yield return new PivotMirror("pivot", r.Node, r.VmId, p.Drive, p.DstVolid);
        }
        else
            yield return new ConvertDisk("copy", r.Node, p.SrcVolid, p.DstVolid, p.Format, p.SizeBytes, null, r.BwLimitKiB);
        // Past the point of no return: the config names the new volume, the old one goes (delete=1), unlock.
        yield return new ReplaceConfig("config", r.VmId, p.NewConfigText);
        // Only once the config no longer names it (a failed config write leaves the source in place).
        if (r.Delete && s.Core.Error is null)
            yield return new DeleteVolumes("free-source", r.Node, [p.SrcVolid]) { GoOnPastFailures = true, SkipIfNodeOffline = true };
        yield return new UnlockVm("unlock", r.VmId);
    }

    protected override IEnumerable<WorkflowStep> Rollback(MoveDiskWorkflowState s)
    {
        var r = s.Request!;
        if (s.Plan is { } p)
        {
            if (p.Live && s.Core.Done.Contains("clear"))
                yield return new CancelMirror("rb-mirror", r.Node, r.VmId, p.Drive, p.DstVolid);
            if (s.Core.PastPointOfNoReturn)
            {
                // The VM writes the new volume already: the config follows it, the old volume stays as unusedN.
                yield return new ReplaceConfig("rb-config", r.VmId, MoveDiskPlanner.KeepingSource(p));
                yield return new UnlockVm("rb-unlock", r.VmId);
                yield break;
            }
            yield return new DeleteVolumes("rb-volume", r.Node, [p.DstVolid]);
        }
        yield return new UnlockVm("rb-unlock", r.VmId);
    }

    protected override IEnumerable<IWorkflowEvent> OnStepDone(MoveDiskWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        switch (step, result)
        {
            case (GatherMoveDiskFacts, MoveDiskFacts f):
            {
                if (MoveDiskPlanner.Check(r, f.Vm, f.Runtime.IsAlive, StorageConfig.Parse(f.StorageConfigText), s.Core.Upid) is { } error)
                {
                    yield return new WorkflowFailed(error, at);
                    yield break;
                }
                if (f.Source is not { } source)
                {
                    yield return new WorkflowFailed($"unable to read the volume of disk '{r.Disk}'", at);
                    yield break;
                }
                var plan = MoveDiskPlanner.Plan(r, f.Vm, f.Runtime.IsAlive, source, f.ExistingVolumes);
                yield return new MoveDiskPlanned(plan);
                yield return Log(at, $"create full clone of drive {plan.Drive} ({plan.SrcVolid})");
                if (plan.Snapshotted)
                {
                    yield return Log(at, "WARN: moving disk with snapshots, snapshots will not be moved!");
                    yield return new TaskWarned("moving disk with snapshots, snapshots will not be moved!");
                }
                break;
            }
            case (MirrorToVolumes m, _):
                yield return Log(at, $"drive mirror is starting for drive-{s.Plan!.Drive}"
                    + (r.BwLimitKiB is { } bw ? $" with bandwidth limit: {bw} KB/s" : ""));
                break;
            case (PollMirrors, MirrorsPolled polled):
                foreach (var e in OnMirrorPolled(s, polled, at)) yield return e;
                yield break;
            case (PivotMirror, DriveSwitched sw):
            {
                var device = $"drive-{s.Plan!.Drive}";
                if (!sw.OnTarget)
                {
                    yield return new WorkflowFailed("mirroring error: 'mirror' has been cancelled", at);
                    yield break;
                }
                yield return Log(at, $"{device}: Completing block job...", $"{device}: Completed successfully.", $"{device}: mirror-job finished");
                yield return new PointOfNoReturnPassed(at);
                break;
            }
            case (CancelMirror, DriveSwitched { OnTarget: true }):
                yield return Log(at, $"drive-{s.Plan!.Drive}: the VM already writes {s.Plan.DstVolid}: finishing the move");
                yield return new PointOfNoReturnPassed(at);
                break;
            case (ConvertDisk, VolumeReady v):
                yield return Log(at, SizeFormat.Transferred(v.Volume.VirtualSize, v.Volume.VirtualSize));
                yield return new PointOfNoReturnPassed(at);
                break;
            case (DeleteVolumes, VolumesDeleted { Failed.Count: > 0 } d):
                foreach (var fail in d.Failed)
                {
                    yield return Log(at, $"WARN: failed to remove '{fail.Volid}': {fail.Error}");
                    yield return new TaskWarned(fail.Error);
                }
                break;
        }
        yield return new StepCompleted(step.Key);
    }

    /// <summary>The mirror's progress as Proxmox logs it; ready ends the poll, a vanished or failed job or a stall fails it.</summary>
    private static IEnumerable<IWorkflowEvent> OnMirrorPolled(MoveDiskWorkflowState s, MirrorsPolled p, DateTimeOffset at)
    {
        var drive = s.Plan!.Drive;
        var job = p.Jobs.FirstOrDefault(j => j.Device == drive || j.Device == $"drive-{drive}");
        if (job is null || job.Error is not null)
        {
            var why = job?.Error is { } err ? $"mirroring error: drive-{drive}: {err}" : "mirroring error: 'mirror' has been cancelled";
            yield return new WorkflowFailed(why, at);
            yield break;
        }
        var logDue = job.Ready || at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1);
        var secs = (int)(at - s.Core.StartedAt).TotalSeconds;
        var line = $"drive-{drive}: {SizeFormat.Transferred(job.Offset, job.Length)} in {secs}s{(job.Ready ? ", ready" : "")}";
        if (job.Ready)
        {
            yield return Log(at, line, "all 'mirror' jobs are ready");
            yield return new StepCompleted("mirror-ready");
            yield break;
        }
        if (logDue) yield return Log(at, line);
        var (mark, stalled) = MirrorsProgressed.Check(s.MirrorsProgress, p.Jobs, at, logDue, s.Request!.ProgressTimeoutSec, [line]);
        if (mark is not null) yield return mark;
        if (stalled is not null) yield return new WorkflowFailed(stalled, at);
    }

    protected override IEnumerable<IWorkflowEvent> OnProgress(MoveDiskWorkflowState s, WorkflowStep step, StepResult progress, DateTimeOffset at)
    {
        if (progress is CopyProgressed p && p.DoneBytes < p.TotalBytes && at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1))
            yield return Log(at, SizeFormat.Transferred(p.DoneBytes, p.TotalBytes));
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(MoveDiskWorkflowState s, DateTimeOffset at) =>
        s.Core.Error is { } err ? ([], $"storage migration failed: {err}") : ([], Tasks.TaskLog.ExitStatus(null, s.Core.Warnings));
}

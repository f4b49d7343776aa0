namespace ActorMigration.Domain.Workflows.Snapshot;

/// <summary>
/// qmsnapshot, qmrollback, qmdelsnapshot on qcow2 volumes. <see cref="Start"/>: start the VM after a rollback (qm rollback
/// --start). <see cref="NewVmGenId"/>: the vmgenid a rollback gives the VM if it has one, made by the caller.
/// <see cref="VmState"/>: save the RAM state too (a running VM only).
/// </summary>
public sealed record SnapshotRequest(string Action, int VmId, string Node, string Name, string? Description, string User, bool Start = false,
    Guid? NewVmGenId = null, bool VmState = false);

public interface ISnapshotEvent : IWorkflowEvent;

public sealed record SnapshotRequested(SnapshotRequest Request) : ISnapshotEvent;

/// <summary>The plan (see <see cref="SnapshotPlan"/>); the fields after the config are absent in events of older versions.</summary>
public sealed record SnapshotPlanned(IReadOnlyList<string> Volids, string NewConfigText, IReadOnlyList<SnapshotDrive>? Drives = null,
    bool Running = false, bool VmState = false, string? RunningMachine = null, string? VmStateDrive = null) : ISnapshotEvent;

public sealed record SnapshotWorkflowState(WorkflowCore Core, SnapshotRequest? Request, IReadOnlyList<string>? Volids, string? NewConfigText,
    SnapshotPlanned? Plan = null) : IWorkflowState<SnapshotWorkflowState>
{
    public SnapshotWorkflowState WithCore(WorkflowCore core) => this with { Core = core };
    public string Phase => Core.Finished ? "done" : Core.RollingBack ? "rollback" : Volids is null ? "prepare" : Request!.Action;
}

public sealed class SnapshotMachine : WorkflowMachine<SnapshotWorkflowState>
{
    public const string Create = "create", Rollback_ = "rollback", Delete = "delete";

    public static string TaskType(string action) => action switch
    {
        Create => "qmsnapshot",
        Rollback_ => "qmrollback",
        Delete => "qmdelsnapshot",
        _ => throw new ArgumentOutOfRangeException(nameof(action))
    };

    private static string LockName(string action) => action switch
    {
        Create => "snapshot",
        Rollback_ => "rollback",
        _ => "snapshot-delete"
    };

    public override SnapshotWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, null, null);

    protected override SnapshotWorkflowState ApplyOwn(SnapshotWorkflowState s, IWorkflowEvent e) => e switch
    {
        SnapshotRequested r => s with { Request = r.Request },
        SnapshotPlanned p => s with { Volids = p.Volids, NewConfigText = p.NewConfigText, Plan = p },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(SnapshotWorkflowState s, object request, DateTimeOffset at)
    {
        yield return new SnapshotRequested((SnapshotRequest)request);
    }

    protected override IEnumerable<WorkflowStep> Forward(SnapshotWorkflowState s)
    {
        var r = s.Request!;
        yield return new LockVm("lock", r.VmId, LockName(r.Action), r.Node);
        yield return new GatherVmFacts("check", r.VmId, r.Node);
        if (s.Volids is null) yield break;
        var p = PlanOf(s);
        // Proxmox stops a running VM before it rolls back.
        if (r.Action == Rollback_ && p.Running) yield return new StopVm("stop", r.Node, r.VmId);
        if (s.Volids.Count > 0) yield return VolumeStep("volumes", s, r.Action);
        yield return new ReplaceConfig("config", r.VmId, s.NewConfigText!);
        yield return new UnlockVm("unlock", r.VmId);
        // A snapshot with RAM state always starts again (from that state), as Proxmox's rollback does.
        if (r.Action == Rollback_ && (r.Start || p.VmState))
            yield return new StartVm("start", r.Node, r.VmId, SnapshotPlanner.LaunchConfig(s.NewConfigText!, p.RunningMachine), null, s.Core.Upid,
                p.VmState ? r.Name : null);
    }

    /// <summary>The plan; a workflow of an older version kept only the volumes and the config (a stopped VM).</summary>
    private static SnapshotPlanned PlanOf(SnapshotWorkflowState s) => s.Plan ?? new SnapshotPlanned(s.Volids!, s.NewConfigText!);

    /// <summary>qemu-img on the volumes of a stopped VM, QMP on the drives of a running one.</summary>
    private static WorkflowStep VolumeStep(string key, SnapshotWorkflowState s, string action)
    {
        var (r, p) = (s.Request!, PlanOf(s));
        return p.Running && action != Rollback_ && p.Drives is { } drives
            ? new SnapshotRunningVm(key, r.Node, r.VmId, drives, r.Name, action, action == Create ? p.VmStateDrive : null)
            : new SnapshotVolumes(key, r.Node, s.Volids!, r.Name, action);
    }

    protected override IEnumerable<WorkflowStep> Rollback(SnapshotWorkflowState s)
    {
        var r = s.Request!;
        // The rollback itself is done; only the start after it failed.
        if (s.Core.Done.Contains("unlock")) yield break;
        // A half-created snapshot is removed again; rollback and delete cannot be undone and only unlock.
        if (r.Action == Create && s.Volids is { Count: > 0 } && !s.Core.Done.Contains("config"))
            yield return VolumeStep("rb-volumes", s, Delete);
        yield return new UnlockVm("rb-unlock", r.VmId);
    }

    /// <summary>The refusal, or the volumes to act on and the new config.</summary>
    public static SnapshotPlan Plan(SnapshotRequest r, VmFacts f, string lockOwner, DateTimeOffset now) => SnapshotPlanner.Plan(r, f, lockOwner, now);

    protected override IEnumerable<IWorkflowEvent> OnStepDone(SnapshotWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        if (step is GatherVmFacts && result is VmFacts f)
        {
            var plan = Plan(r, f, s.Core.Upid, at);
            if (plan.Error is not null)
            {
                yield return new WorkflowFailed(plan.Error, at);
                yield break;
            }
            yield return new SnapshotPlanned(plan.Volids!, plan.Config!, plan.Drives, plan.Running, plan.VmState, plan.RunningMachine,
                plan.VmStateDrive);
        }
        if (step.Key == "volumes")
            yield return Log(at, s.Volids!.Select(v => r.Action switch
            {
                Create => $"snapshotting '{v}' ({r.Name})",
                Rollback_ => $"rolling back '{v}' to snapshot '{r.Name}'",
                _ => $"deleting snapshot '{r.Name}' of '{v}'"
            }).Concat(r.Action == Create && PlanOf(s).VmState ? ["saving VM state and RAM"] : []).ToArray());
        if (step is StopVm) yield return Log(at, [$"stopping VM {r.VmId} before the rollback"]);
        if (step is StartVm { LoadVm: not null }) yield return Log(at, [$"VM {r.VmId} resumed from the RAM state of snapshot '{r.Name}'"]);
        yield return new StepCompleted(step.Key);
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(SnapshotWorkflowState s, DateTimeOffset at) =>
        ([], Tasks.TaskLog.ExitStatus(s.Core.Error, s.Core.Warnings));
}

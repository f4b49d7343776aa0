using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows.HaRecovery;

/// <summary>
/// Brings an HA resource back: from a fenced node (<paramref name="FromFenced"/>), or after a failed start from the node
/// where it failed (again there, or relocated to <paramref name="To"/>). <paramref name="Start"/>: the resource is
/// requested started. <paramref name="History"/>: the manager's log lines that led here (timestamped).
/// </summary>
public sealed record HaRecoveryRequest(int VmId, string From, string To, bool FromFenced, bool Start, IReadOnlyList<string> History)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public string Sid => HaSid.OfVm(VmId);
}

public interface IHaRecoveryEvent : IWorkflowEvent;

public sealed record HaRecoveryRequested(HaRecoveryRequest Request) : IHaRecoveryEvent;

/// <summary>What the target reported after the move: the config to start and whether it already runs there.</summary>
public sealed record HaRecoveryChecked(string ConfigText, bool Running) : IHaRecoveryEvent;

public sealed record HaRecoveryWorkflowState(WorkflowCore Core, HaRecoveryRequest? Request, string? ConfigText, bool RunningOnTarget)
    : IWorkflowState<HaRecoveryWorkflowState>
{
    public HaRecoveryWorkflowState WithCore(WorkflowCore core) => this with { Core = core };

    public string Phase => Core.Finished ? "done" : Core.PastPointOfNoReturn ? "start" : "recover";
}

/// <summary>
/// The <c>ha-recovery</c> task: lock the record (on its old node), check that the old node is fenced (its lease expired)
/// or that the VM does not run there, move the record (the point of no return), start the VM on the new node, unlock.
/// </summary>
public sealed class HaRecoveryMachine : WorkflowMachine<HaRecoveryWorkflowState>
{
    public const string TaskType = "ha-recovery";

    public override HaRecoveryWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, null, false);

    protected override HaRecoveryWorkflowState ApplyOwn(HaRecoveryWorkflowState s, IWorkflowEvent e) => e switch
    {
        HaRecoveryRequested r => s with { Request = r.Request },
        HaRecoveryChecked c => s with { ConfigText = c.ConfigText, RunningOnTarget = c.Running },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(HaRecoveryWorkflowState s, object request, DateTimeOffset at)
    {
        var r = (HaRecoveryRequest)request;
        yield return new HaRecoveryRequested(r);
        // The manager decided on it: the task is listed even when the lock is refused.
        yield return new TaskAccepted(at);
        if (r.History.Count > 0) yield return LogRaw(at, [.. r.History]);
    }

    protected override IEnumerable<WorkflowStep> Forward(HaRecoveryWorkflowState s)
    {
        var r = s.Request!;
        yield return new LockVm("lock", r.VmId, "migrate", r.From);
        if (r.FromFenced) yield return new CheckNodeFenced("fenced", r.From);
        else if (r.From != r.To) yield return new GatherVmFacts("source", r.VmId, r.From);
        if (r.From != r.To) yield return new RecoverVm("recover", r.VmId, r.From, r.To);
        yield return new GatherVmFacts("check", r.VmId, r.To);
        if (r.Start && s.ConfigText is { } text && !s.RunningOnTarget) yield return new StartVm("start", r.To, r.VmId, text, null, s.Core.Upid);
        yield return new UnlockVm("unlock", r.VmId);
    }

    protected override IEnumerable<WorkflowStep> Rollback(HaRecoveryWorkflowState s)
    {
        yield return new UnlockVm("rb-unlock", s.Request!.VmId);
    }

    protected override IEnumerable<IWorkflowEvent> OnStepDone(HaRecoveryWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        switch (step)
        {
            case CheckNodeFenced when result is NodeFenceFacts f && !(f.Held && f.Expired):
                yield return new WorkflowFailed(NotFenced(f), at);
                yield break;
            case CheckNodeFenced when result is NodeFenceFacts f:
                yield return Log(at, $"node '{f.Node}' is fenced: its lease expired at {Tasks.TaskLog.UtcClock(f.ExpiresAt!.Value)}"
                    + $" (database time {Tasks.TaskLog.UtcClock(f.DbNow)})");
                break;
            case GatherVmFacts { Key: "source" } when result is VmFacts f && f.Runtime.IsAlive:
                yield return new WorkflowFailed($"service '{r.Sid}' still runs on node '{r.From}'", at);
                yield break;
            case RecoverVm:
                yield return new PointOfNoReturnPassed(at);
                yield return Log(at, r.FromFenced
                    ? $"recover service '{r.Sid}' from fenced node '{r.From}' to node '{r.To}'"
                    : $"relocate service '{r.Sid}' from node '{r.From}' to node '{r.To}'");
                break;
            case GatherVmFacts { Key: "check" } when result is VmFacts f:
                if (!f.Vm.Exists || f.Vm.Node != r.To)
                {
                    yield return new WorkflowFailed(VmDecider.NoConfig(r.To, r.VmId), at);
                    // Past the point of no return there is no rollback: the task goes on to unlock.
                    if (s.Core.PastPointOfNoReturn) yield return new StepCompleted(step.Key);
                    yield break;
                }
                yield return new HaRecoveryChecked(f.Vm.ConfigText, f.Runtime.IsAlive);
                if (r.Start) yield return Log(at, f.Runtime.IsAlive ? $"service {r.Sid} already runs on node '{r.To}'" : $"starting service {r.Sid}");
                break;
            case StartVm:
                yield return Log(at, $"service status {r.Sid} started");
                break;
        }
        yield return new StepCompleted(step.Key);
    }

    private static string NotFenced(NodeFenceFacts f) => f.Held
        ? $"node '{f.Node}' is not fenced: its lease runs until {Tasks.TaskLog.UtcClock(f.ExpiresAt!.Value)} (database time {Tasks.TaskLog.UtcClock(f.DbNow)})"
        : $"node '{f.Node}' is not fenced: no member holds its lease, so no watchdog guards it";

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(HaRecoveryWorkflowState s, DateTimeOffset at) =>
        ([], Tasks.TaskLog.ExitStatus(s.Core.Error, s.Core.Warnings));
}

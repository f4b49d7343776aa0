using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Tasks;
using ActorMigration.Domain.Workflows.Bulk;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Domain.Workflows.Evacuation;

/// <summary>
/// The <c>evacuate</c> task of a node put in maintenance, in rounds (at most <see cref="Evacuation.MaxRounds"/>): wait
/// until the node is online, scan it and plan (<see cref="Evacuation.PlanRound"/>, children with their UPIDs persisted
/// before any start), start every child (the queue's limits pace them), wait for all. A round where a child failed or a
/// VM was locked is followed by another. The VMs that stay are reported with their reason (<c>WARN:</c> lines).
/// </summary>
public sealed class EvacuationMachine : WorkflowMachine<EvacuationWorkflowState>
{
    public const string TaskType = "evacuate";

    /// <summary>How long a round waits for its node to come back online.</summary>
    public static readonly TimeSpan OnlineWait = TimeSpan.FromMinutes(10);

    /// <summary>How long a node that was offline must be online again before the next round scans it.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    public override EvacuationWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, BulkRun.Empty);

    protected override EvacuationWorkflowState ApplyOwn(EvacuationWorkflowState s, IWorkflowEvent e) => e switch
    {
        EvacuationRequested r => s with { Request = r.Request },
        IBulkEvent b => s with { Run = s.Run.Apply(b) },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(EvacuationWorkflowState s, object request, DateTimeOffset at)
    {
        var r = (EvacuationRequest)request;
        yield return new EvacuationRequested(r);
        yield return new TaskAccepted(at);
        yield return Log(at, $"evacuating node '{r.Node}' (maintenance mode{(r.WithLocalDisks ? ", with local disks" : "")})");
    }

    protected override IEnumerable<WorkflowStep> Forward(EvacuationWorkflowState s)
    {
        var req = s.Request!;
        for (var r = 0; r < Evacuation.MaxRounds; r++)
        {
            yield return new AwaitNodeOnline($"online:{r}", req.Node);
            yield return new GatherEvacuationFacts($"scan:{r}", req.Node, req.User);
            if (s.Run.Rounds.FirstOrDefault(x => x.Round == r) is not { } round) yield break;
            if (s.Run.Next(round, int.MaxValue, c => Child(req, c, s.Core.Upid)) is { } next)
            {
                yield return next;
                yield break;
            }
            if (round.Children.Count == 0 || !Evacuation.WantsAnother(round, s.Run)) yield break;
        }
    }

    protected override IEnumerable<WorkflowStep> Rollback(EvacuationWorkflowState s)
    {
        yield return new AbortTasks("rb-abort", s.Run.AllRunning);
    }

    /// <summary>A child: a maintenance-class migration (first in the queue).</summary>
    public static ChildStart Child(EvacuationRequest r, BulkChild c, string evacuationUpid) => new(c.Upid,
        new MigrationRequest(c.VmId, r.Node, c.Target, c.Online, r.WithLocalDisks, null, null, false, false, r.User),
        new MigrationSlot(SlotClasses.Maintenance, evacuationUpid));

    protected override IEnumerable<IWorkflowEvent> OnStepDone(EvacuationWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var req = s.Request!;
        switch (step)
        {
            case AwaitNodeOnline when result is NodeOnlinePolled p:
                var waiting = $"waiting for node '{req.Node}' to be online";
                var settling = $"node '{req.Node}' is online again; next scan in {Settle.TotalSeconds:0} s";
                var last = s.Core.Log.LastOrDefault("");
                if (!p.Online)
                {
                    if (!last.EndsWith(waiting, StringComparison.Ordinal)) yield return Log(at, waiting);
                    else if (at - s.Core.LastLogAt > OnlineWait)
                        yield return new WorkflowFailed($"node '{req.Node}' did not come back online within {OnlineWait.TotalMinutes} minutes", at);
                    yield break;
                }
                // A node back from a crash first re-adopts its VMs: the next round lets it settle before it plans.
                if (last.EndsWith(waiting, StringComparison.Ordinal))
                {
                    yield return Log(at, settling);
                    yield break;
                }
                if (last.EndsWith(settling, StringComparison.Ordinal) && at - s.Core.LastLogAt < Settle) yield break;
                break;
            case GatherEvacuationFacts g when result is EvacuationFacts f:
                var n = int.Parse(g.Key["scan:".Length..], System.Globalization.CultureInfo.InvariantCulture);
                var round = Evacuation.PlanRound(n, req.Node, req.WithLocalDisks, f);
                yield return new BulkRoundPlanned(n, round.Children, round.Skipped);
                var lines = new List<string>();
                if (n > 0) lines.Add($"round {n + 1}: scanning node '{req.Node}' again");
                lines.AddRange(round.Children.Select(c =>
                    $"VM {c.VmId}: migrate to node '{c.Target}'{(c.Online ? " (online)" : "")}: task {c.Upid}"));
                if (round.Children.Count == 0) lines.Add("no VM can move");
                yield return Log(at, [.. lines]);
                break;
            case StartChildTasks when result is TasksStarted started:
                var current = s.Run.Current!;
                foreach (var e in s.Run.OnStarted(current.Children, started)) yield return e;
                foreach (var c in started.Children.Where(c => c.Error is not null))
                    yield return Log(at, $"VM {current.Children.First(x => x.Upid == c.Upid).VmId}: migration refused: {c.Error}");
                break;
            case AwaitTasks when result is TasksPolled polled:
                var ended = s.Run.OnPolled(s.Run.Current!, polled);
                if (ended.Count == 0) yield break; // polled again
                foreach (var e in ended)
                {
                    yield return e;
                    yield return Log(at, TaskLog.IsOk(e.ExitStatus) ? $"VM {e.VmId}: migrated" : $"VM {e.VmId}: migration failed: {e.ExitStatus}");
                }
                break;
            case AbortTasks when result is TasksPolled aborted:
                foreach (var e in aborted.Ended) yield return Log(at, $"aborted queued task {e.Upid}");
                break;
        }
        yield return new StepCompleted(step.Key);
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(EvacuationWorkflowState s, DateTimeOffset at)
    {
        if (s.Core.Error is { } err) return ([], err);
        var node = s.Request!.Node;
        var last = s.Run.Current;
        var blocked = last?.Skipped ?? [];
        var failed = last?.Children.Count(c => !TaskLog.IsOk(s.Run.Ended.GetValueOrDefault(c.Upid))) ?? 0;
        var moved = s.Run.Rounds.SelectMany(r => r.Children).Count(c => TaskLog.IsOk(s.Run.Ended.GetValueOrDefault(c.Upid)));
        var lines = blocked.Select(b => TaskLog.Line(at, $"WARN: VM {b.VmId} stays on node '{node}': {b.Reason}")).ToList();
        lines.Add(TaskLog.Line(at, $"evacuation of node '{node}': {moved} VMs moved, {blocked.Count + failed} stay"));
        if (failed > 0) return (lines, $"evacuation finished with problems: {failed} VMs could not be moved");
        return (lines, TaskLog.ExitStatus(null, blocked.Count));
    }
}

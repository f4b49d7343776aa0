using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Scheduling;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Domain.Workflows.Bulk;

/// <summary>
/// The <c>migrateall</c> task, as Proxmox's <c>PVE/API2/Nodes.pm</c> runs it: the guests on the node in string order of
/// their vmids, each checked (a running VM with local disks without <c>with-local-disks</c>, or one with local resources,
/// is skipped), at most <c>maxworkers</c> child migrations at a time, the next started as one ends. The children and their
/// UPIDs are persisted before the first start; the log lists each child's UPID.
/// </summary>
public sealed class BulkMigrationMachine : WorkflowMachine<BulkWorkflowState>
{
    public const string TaskType = "migrateall";
    public const string NoWorkers = "no migrations worker started...";
    public const string NothingMatched = "no virtual guests matched, nothing to do..";

    public override BulkWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, BulkRun.Empty);

    protected override BulkWorkflowState ApplyOwn(BulkWorkflowState s, IWorkflowEvent e) => e switch
    {
        BulkRequested r => s with { Request = r.Request },
        IBulkEvent b => s with { Run = s.Run.Apply(b) },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(BulkWorkflowState s, object request, DateTimeOffset at)
    {
        yield return new BulkRequested((MigrateAllRequest)request);
        // Proxmox answers with the worker's UPID at once: nothing is locked before the children.
        yield return new TaskAccepted(at);
    }

    protected override IEnumerable<WorkflowStep> Forward(BulkWorkflowState s)
    {
        var r = s.Request!;
        yield return new GatherBulkFacts("scan", r.Node, r.Vms, r.User);
        if (s.Run.Current is { } round && s.Run.Next(round, r.MaxWorkers, c => Child(r, c, s.Core.Upid)) is { } next) yield return next;
    }

    protected override IEnumerable<WorkflowStep> Rollback(BulkWorkflowState s)
    {
        yield return new AbortTasks("rb-abort", s.Run.AllRunning);
    }

    /// <summary>A child: a user migration in the bulk action's queue group (its UPID), capped at maxworkers.</summary>
    public static ChildStart Child(MigrateAllRequest r, BulkChild c, string bulkUpid) => new(c.Upid,
        new MigrationRequest(c.VmId, r.Node, c.Target, c.Online, r.WithLocalDisks ?? false, null, null, false, false, r.User),
        new MigrationSlot(SlotClasses.User, bulkUpid, r.MaxWorkers));

    protected override IEnumerable<IWorkflowEvent> OnStepDone(BulkWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        switch (step)
        {
            case GatherBulkFacts when result is BulkFacts f:
                var (children, skipped) = Select(r, f);
                yield return new BulkRoundPlanned(0, children, skipped);
                break;
            case StartChildTasks st when result is TasksStarted started:
                yield return LogRaw(at, [.. BatchLines(s, st, started)]);
                foreach (var e in s.Run.OnStarted(s.Run.Current!.Children, started)) yield return e;
                break;
            case AwaitTasks when result is TasksPolled polled:
                var ended = s.Run.OnPolled(s.Run.Current!, polled);
                if (ended.Count == 0) yield break; // polled again
                foreach (var e in ended) yield return e;
                break;
            case AbortTasks when result is TasksPolled aborted:
                foreach (var e in aborted.Ended) yield return Log(at, $"aborted queued task {e.Upid}");
                break;
        }
        yield return new StepCompleted(step.Key);
    }

    /// <summary>Proxmox's selection: string order of vmids; the precondition check of each guest.</summary>
    public static (IReadOnlyList<BulkChild> Children, IReadOnlyList<BulkSkip> Skipped) Select(MigrateAllRequest r, BulkFacts f)
    {
        var storage = StorageConfig.Parse(f.StorageConfigText);
        var children = new List<BulkChild>();
        var skipped = new List<BulkSkip>();
        foreach (var vm in f.Vms.OrderBy(v => v.VmId.ToString(), StringComparer.Ordinal))
        {
            var cfg = QmConfig.Parse(vm.ConfigText);
            var problems = new List<string>();
            if (vm.Running && r.WithLocalDisks != true && Movability.LocalDisks(cfg, storage) is [_, ..] disks)
                problems.Add($"  Has local disks: {string.Join(", ", disks)}");
            var resources = MigrationChecks.LocalResources(cfg.Main).Concat(MigrationChecks.LocalFiles(cfg)).ToList();
            if (resources.Count > 0) problems.Add($"  Has local resources: {string.Join(", ", resources)}");
            if (problems.Count > 0) skipped.Add(new BulkSkip(vm.VmId, string.Join("\n", problems)));
            else children.Add(new BulkChild(vm.VmId, r.Target, vm.ChildUpid, vm.Running));
        }
        return (children, skipped);
    }

    /// <summary>
    /// Proxmox's lines for the guests up to the last child of this batch (skipped ones in between, and after the last
    /// batch the skipped ones after it): check, start, and our line with the child's UPID (or the start's refusal).
    /// </summary>
    private static IEnumerable<string> BatchLines(BulkWorkflowState s, StartChildTasks st, TasksStarted started)
    {
        var round = s.Run.Current!;
        var order = Order(round);
        var sent = round.Children.Count(c => s.Run.Started.Contains(c.Upid));
        var from = sent == 0 ? 0 : order.FindIndex(i => i.Child?.Upid == round.Children[sent - 1].Upid) + 1;
        var last = sent + st.Children.Count >= round.Children.Count
            ? order.Count - 1
            : order.FindIndex(i => i.Child?.Upid == st.Children[^1].Upid);
        var errors = started.Children.ToDictionary(c => c.Upid, c => c.Error);
        for (var i = from; i <= last; i++)
            foreach (var line in Lines(order[i], errors)) yield return line;
    }

    private static List<(BulkChild? Child, BulkSkip? Skip)> Order(BulkRound r) =>
        r.Children.Select(c => ((BulkChild?)c, (BulkSkip?)null, c.VmId))
            .Concat(r.Skipped.Select(k => ((BulkChild?)null, (BulkSkip?)k, k.VmId)))
            .OrderBy(x => x.VmId.ToString(), StringComparer.Ordinal)
            .Select(x => (x.Item1, x.Item2))
            .ToList();

    private static IEnumerable<string> Lines((BulkChild? Child, BulkSkip? Skip) item, IReadOnlyDictionary<string, string?> errors)
    {
        if (item.Skip is { } k)
        {
            yield return $"Check VM {k.VmId}: skip VM {k.VmId} - precondition check failed:";
            foreach (var l in k.Reason.Split('\n')) yield return l;
            yield break;
        }
        var c = item.Child!;
        yield return $"Check VM {c.VmId}: precondition check passed";
        yield return $"Migrating VM {c.VmId}";
        yield return errors.TryGetValue(c.Upid, out var error) && error is not null ? error : $"VM {c.VmId}: task {c.Upid}";
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(BulkWorkflowState s, DateTimeOffset at)
    {
        if (s.Core.Error is { } err) return ([], err);
        if (s.Run.Current is not { } round || round.Children.Count + round.Skipped.Count == 0) return ([NothingMatched], Tasks.TaskLog.Ok);
        var workers = s.Run.Accepted(round).Count();
        // Only skipped guests: their lines, then Proxmox's error.
        var lines = round.Children.Count == 0 ? Order(round).SelectMany(i => Lines(i, new Dictionary<string, string?>())).ToList() : [];
        if (workers == 0) return (lines, NoWorkers);
        return ([$"All jobs finished, used {workers} workers in total."], Tasks.TaskLog.Ok);
    }
}

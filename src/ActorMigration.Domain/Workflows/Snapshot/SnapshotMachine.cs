using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows.Snapshot;

/// <summary>qmsnapshot, qmrollback, qmdelsnapshot on a stopped VM whose disks are qcow2.</summary>
/// <summary>
/// <see cref="Start"/>: start the VM after a rollback (qm rollback --start). <see cref="NewVmGenId"/>: the vmgenid a
/// rollback gives the VM if it has one, made by the caller.
/// </summary>
public sealed record SnapshotRequest(string Action, int VmId, string Node, string Name, string? Description, string User, bool Start = false,
    Guid? NewVmGenId = null);

public interface ISnapshotEvent : IWorkflowEvent;

public sealed record SnapshotRequested(SnapshotRequest Request) : ISnapshotEvent;

public sealed record SnapshotPlanned(IReadOnlyList<string> Volids, string NewConfigText) : ISnapshotEvent;

public sealed record SnapshotWorkflowState(WorkflowCore Core, SnapshotRequest? Request, IReadOnlyList<string>? Volids, string? NewConfigText)
    : IWorkflowState<SnapshotWorkflowState>
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
        SnapshotPlanned p => s with { Volids = p.Volids, NewConfigText = p.NewConfigText },
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
        if (s.Volids.Count > 0) yield return new SnapshotVolumes("volumes", r.Node, s.Volids, r.Name, r.Action);
        yield return new ReplaceConfig("config", r.VmId, s.NewConfigText!);
        yield return new UnlockVm("unlock", r.VmId);
        if (r.Action == Rollback_ && r.Start)
            yield return new StartVm("start", r.Node, r.VmId, s.NewConfigText!, null, s.Core.Upid);
    }

    protected override IEnumerable<WorkflowStep> Rollback(SnapshotWorkflowState s)
    {
        var r = s.Request!;
        // The rollback itself is done; only the start after it failed.
        if (s.Core.Done.Contains("unlock")) yield break;
        // A half-created snapshot is removed again; rollback and delete cannot be undone and only unlock.
        if (r.Action == Create && s.Volids is { Count: > 0 } v && !s.Core.Done.Contains("config"))
            yield return new SnapshotVolumes("rb-volumes", r.Node, v, r.Name, Delete);
        yield return new UnlockVm("rb-unlock", r.VmId);
    }

    /// <summary>The refusal, or the volumes to act on and the new config.</summary>
    public static (IReadOnlyList<string>? Volids, string? Config, string? Error) Plan(SnapshotRequest r, VmFacts f, string lockOwner,
        DateTimeOffset now)
    {
        if (!f.Vm.Exists || f.Vm.Node != r.Node) return (null, null, VmDecider.NoConfig(r.Node, r.VmId));
        if (f.Vm.Lock is { } l && f.Vm.LockOwner != lockOwner) return (null, null, VmDecider.Locked(l));
        if (f.Runtime.IsAlive) return (null, null, $"VM {r.VmId} is running - snapshots here need a stopped VM");
        var cfg = QmConfig.Parse(f.Vm.ConfigText);
        if (cfg.IsTemplate) return (null, null, "you can't snapshot a template");
        var existing = cfg.Snapshot(r.Name);
        switch (r.Action)
        {
            case Create:
            {
                if (existing is not null) return (null, null, $"snapshot name '{r.Name}' already used");
                var volids = new List<string>();
                foreach (var (_, d) in Drives.All(cfg.Main, includeUnused: false))
                {
                    if (d.IsCdrom || d.Volume is null) continue;
                    if (!VolumeName.TryParse(d.File, out var vn, out _) || vn!.Format != "qcow2")
                        return (null, null, "snapshot feature is not available");
                    volids.Add(d.File);
                }
                var snap = cfg.Main.Clone();
                snap.Remove("lock");
                snap["snaptime"] = now.ToUnixTimeSeconds().ToString();
                snap.Description = r.Description;
                if (snap.Description is null) snap.Remove("description");
                cfg.Snapshots.Add((r.Name, snap));
                cfg["parent"] = r.Name;
                return (volids, cfg.ToString(), null);
            }
            case Rollback_:
            {
                if (existing is null) return (null, null, $"snapshot '{r.Name}' does not exist");
                var volids = Volumes(existing);
                var main = existing.Clone();
                main.Remove("snaptime");
                main.Remove("vmstate");
                main.Description = cfg.Main.Description;
                main["parent"] = r.Name;
                main["lock"] = cfg["lock"];
                // A rollback is a time shift for the guest: a new generation id (if it has one).
                if (main["vmgenid"] is { } g && g != "0")
                {
                    if (r.NewVmGenId is not { } fresh) return (null, null, "rollback request carries no new vmgenid");
                    main["vmgenid"] = fresh.ToString();
                }
                var result = new QmConfig();
                foreach (var (k, v) in main.Values) result[k] = v;
                result.Main.Description = main.Description;
                result.Pending = cfg.Pending;
                result.Snapshots.AddRange(cfg.Snapshots);
                result.Special.AddRange(cfg.Special);
                return (volids, result.ToString(), null);
            }
            case Delete:
            {
                if (existing is null) return (null, null, $"snapshot '{r.Name}' does not exist");
                var volids = Volumes(existing);
                var parent = existing["parent"];
                cfg.Snapshots.RemoveAll(x => x.Name == r.Name);
                foreach (var (_, sec) in cfg.Snapshots)
                    if (sec["parent"] == r.Name) sec["parent"] = parent;
                if (cfg["parent"] == r.Name) cfg["parent"] = parent;
                return (volids, cfg.ToString(), null);
            }
            default:
                return (null, null, $"unknown snapshot action '{r.Action}'");
        }
    }

    private static List<string> Volumes(QmSection s) =>
        Drives.All(s, includeUnused: false).Where(d => !d.Drive.IsCdrom && d.Drive.Volume is not null).Select(d => d.Drive.File).ToList();

    protected override IEnumerable<IWorkflowEvent> OnStepDone(SnapshotWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        if (step is GatherVmFacts && result is VmFacts f)
        {
            var (volids, config, error) = Plan(r, f, s.Core.Upid, at);
            if (error is not null)
            {
                yield return new WorkflowFailed(error, at);
                yield break;
            }
            yield return new SnapshotPlanned(volids!, config!);
        }
        if (step is SnapshotVolumes { Key: "volumes" } sv)
            yield return Log(at, sv.Volids.Select(v => r.Action switch
            {
                Create => $"snapshotting '{v}' ({r.Name})",
                Rollback_ => $"rolling back '{v}' to snapshot '{r.Name}'",
                _ => $"deleting snapshot '{r.Name}' of '{v}'"
            }).ToArray());
        yield return new StepCompleted(step.Key);
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(SnapshotWorkflowState s, DateTimeOffset at) =>
        ([], Tasks.TaskLog.ExitStatus(s.Core.Error, s.Core.Warnings));
}

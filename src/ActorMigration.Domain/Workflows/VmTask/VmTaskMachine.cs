using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows.Create;

namespace ActorMigration.Domain.Workflows.VmTask;

/// <summary>
/// Short tasks on one VM: qmstart, qmstop, qmshutdown, qmdestroy, qmconfig (<paramref name="Disks"/>: new volumes it
/// allocates, already named in <paramref name="Set"/>), resize, the power actions (<see cref="PowerActions"/>) and unlink.
/// </summary>
public sealed record VmTaskRequest(string Kind, int VmId, string Node, string User, int TimeoutSeconds = 60, bool SkipLock = false,
    IReadOnlyDictionary<string, string>? Set = null, IReadOnlyList<string>? Delete = null, string? Digest = null,
    IReadOnlyList<DiskPlan>? Disks = null, DiskResize? Resize = null);

public interface IVmTaskEvent : IWorkflowEvent;

public sealed record VmTaskRequested(VmTaskRequest Request) : IVmTaskEvent;

/// <summary>What the check step read: the config at that time (destroy needs its volumes).</summary>
public sealed record VmTaskChecked(string ConfigText) : IVmTaskEvent;

public sealed record VmTaskWorkflowState(WorkflowCore Core, VmTaskRequest? Request, string? ConfigText)
    : IWorkflowState<VmTaskWorkflowState>
{
    public VmTaskWorkflowState WithCore(WorkflowCore core) => this with { Core = core };
    public string Phase => Core.Finished ? "done" : Request?.Kind ?? "prepare";
}

public sealed class VmTaskMachine : WorkflowMachine<VmTaskWorkflowState>
{
    public const string Start = "start", Stop = "stop", Shutdown = "shutdown", Destroy = "destroy", Config = "config",
        Resize = "resize";

    public const string Reboot = "reboot", Reset = "reset", Suspend = "suspend", Resume = "resume", UnlinkDisks = "unlink";

    public static string TaskType(string kind) => kind switch
    {
        Start => "qmstart",
        Stop => "qmstop",
        Shutdown => "qmshutdown",
        Destroy => "qmdestroy",
        Config => "qmconfig",
        Resize => "resize",
        Reboot => "qmreboot",
        Reset => "qmreset",
        // Proxmox: qmsuspend is the suspend to disk, a plain suspend is qmpause.
        Suspend => "qmpause",
        Resume => "qmresume",
        UnlinkDisks => "qmconfig",
        _ => throw new ArgumentOutOfRangeException(nameof(kind))
    };

    public override VmTaskWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, null);

    protected override VmTaskWorkflowState ApplyOwn(VmTaskWorkflowState s, IWorkflowEvent e) => e switch
    {
        VmTaskRequested r => s with { Request = r.Request },
        VmTaskChecked c => s with { ConfigText = c.ConfigText },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(VmTaskWorkflowState s, object request, DateTimeOffset at)
    {
        var r = (VmTaskRequest)request;
        yield return new VmTaskRequested(r);
        // Short tasks have no gate: the request is accepted as soon as it is recorded.
        if (r.Kind != Destroy) yield return new TaskAccepted(at);
    }

    protected override IEnumerable<WorkflowStep> Forward(VmTaskWorkflowState s)
    {
        var r = s.Request!;
        if (r.Kind == Destroy) yield return new LockVm("lock", r.VmId, "destroyed", r.Node);
        yield return new GatherVmFacts("check", r.VmId, r.Node);
        if (s.ConfigText is not { } text) yield break;
        switch (r.Kind)
        {
            case Start:
            {
                // vm_start applies what is pending first (vmconfig_apply_pending); the VM starts with the result.
                var cfg = QmConfig.Parse(text);
                if (PendingChanges.Has(cfg))
                {
                    yield return new EditConfig("pending", r.VmId, r.Node, new Dictionary<string, string>(), [], null, ConfigEditMode.ApplyPending,
                        SkipLock: r.SkipLock);
                    PendingChanges.ApplyAll(cfg);
                    text = cfg.ToString();
                }
                yield return new StartVm("start", r.Node, r.VmId, text, null, s.Core.Upid);
                break;
            }
            case Stop:
                yield return new StopVm("stop", r.Node, r.VmId);
                break;
            case Shutdown:
                yield return new ShutdownVm("shutdown", r.Node, r.VmId, r.TimeoutSeconds);
                break;
            case Config:
                foreach (var d in r.Disks ?? [])
                    yield return new AllocateVolumes(AllocKey(d), r.Node, [new VolumeAlloc(d.DstVolid, d.Format, CreateMachine.AllocationSize(d))]);
                {
                    // Deletes marked '!' are forced (the pending list's syntax); the node's state picks Stopped or Running.
                    var delete = r.Delete ?? [];
                    yield return new EditConfig("edit", r.VmId, r.Node, r.Set ?? new Dictionary<string, string>(),
                        delete.Select(k => k.TrimStart('!')).ToList(), r.Digest, ConfigEditMode.Stopped, delete.Any(k => k.StartsWith('!')));
                    // Only disks a running VM takes now are plugged; the others stay pending (a stopped VM plugs nothing).
                    var checkedCfg = QmConfig.Parse(text);
                    foreach (var d in r.Disks ?? [])
                        if (PendingChanges.CanApplyLive(checkedCfg, checkedCfg.Main["hotplug"], d.Drive, r.Set![d.Drive]))
                            yield return new HotplugDisk("plug:" + d.Drive, r.Node, r.VmId, d.Drive, d.DstVolid);
                    foreach (var nic in PlugsNics(checkedCfg, r.Set))
                        yield return new HotplugNic("plug:" + nic, r.Node, r.VmId, nic, r.Set![nic]);
                    break;
                }
            case Resize:
            {
                var rs = r.Resize!;
                yield return new ResizeDisk("resize", r.Node, r.VmId, rs.Disk, rs.Volid, rs.SizeBytes);
                var value = QmConfig.Parse(text)[rs.Disk]!;
                yield return new EditConfig("config", r.VmId, r.Node,
                    new Dictionary<string, string> { [rs.Disk] = DiskEdits.WithSize(value, rs.SizeBytes) }, [], null);
                break;
            }
            case Reboot or Reset or Suspend or Resume:
                foreach (var step in PowerActions.Steps(r, text, s.Core.Upid)) yield return step;
                break;
            case UnlinkDisks:
            {
                var set = r.Set ?? new Dictionary<string, string>();
                var delete = r.Delete ?? [];
                yield return new EditConfig("edit", r.VmId, r.Node, set, delete, r.Digest);
                var freed = Unlink.Freed(QmConfig.Parse(text), r.VmId, set, delete);
                if (freed.Count > 0) yield return new DeleteVolumes("volumes", r.Node, freed);
                break;
            }
            case Destroy:
            {
                var cfg = QmConfig.Parse(text);
                var volumes = OwnVolumes(cfg, r.VmId);
                if (volumes.Count > 0) yield return new DeleteVolumes("volumes", r.Node, volumes);
                yield return new DestroyVmRecord("record", r.VmId, r.Node);
                foreach (var t in LinkedTemplates(cfg))
                    yield return new LinkClone($"unlink:{t}", t, r.VmId, Add: false);
                break;
            }
        }
    }

    private static string AllocKey(DiskPlan d) => "alloc:" + d.Drive;

    protected override IEnumerable<WorkflowStep> Rollback(VmTaskWorkflowState s)
    {
        var r = s.Request!;
        if (r.Kind == Destroy && !s.Core.Done.Contains("record"))
            yield return new UnlockVm("rb-unlock", r.VmId);
        // New volumes the config never got are removed again.
        var made = (r.Disks ?? []).Where(d => s.Core.Done.Contains(AllocKey(d))).Select(d => d.DstVolid).ToList();
        if (r.Kind == Config && !s.Core.Done.Contains("edit") && made.Count > 0)
            yield return new DeleteVolumes("rb-volumes", r.Node, made);
    }

    /// <summary>
    /// The NICs of an edit that a running VM takes now (PendingChanges.CanApplyLive on the config before the edit): a
    /// config edit with one of them runs as a qmconfig task, whose plug steps plug them.
    /// </summary>
    public static IReadOnlyList<string> PlugsNics(QmConfig before, IReadOnlyDictionary<string, string>? set) =>
        [.. (set ?? new Dictionary<string, string>()).Where(kv => NetSpec.IsNetKey(kv.Key)
            && PendingChanges.CanApplyLive(before, before.Main["hotplug"], kv.Key, kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal)];

    /// <summary>Volumes this VM owns: its images (not a template's base it links to).</summary>
    public static IReadOnlyList<string> OwnVolumes(QmConfig cfg, int vmid)
    {
        // A disk still pending (added to a running VM) is the VM's too.
        var all = Drives.All(cfg.Main).Concat(cfg.Snapshots.SelectMany(x => Drives.All(x.Section)))
            .Concat(cfg.Pending is { } pending ? Drives.All(pending) : []);
        return all.Select(d => d.Drive.Volume?.ToString())
            .Where(v => v is not null && Storage.VolumeName.TryParse(v, out var n, out _) && n!.VType == "images" && n.VmId == vmid)
            .Select(v => v!)
            .Distinct()
            .ToList();
    }

    /// <summary>Templates whose base volumes this VM's linked-clone disks use.</summary>
    public static IReadOnlyList<int> LinkedTemplates(QmConfig cfg) =>
        Drives.All(cfg.Main)
            .Select(d => d.Drive.Volume?.ToString())
            .Where(v => v is not null)
            .Select(v => Storage.VolumeName.TryParse(v!, out var n, out _) ? n!.BaseVmId : null)
            .Where(b => b is not null)
            .Select(b => b!.Value)
            .Distinct()
            .ToList();

    protected override IEnumerable<IWorkflowEvent> OnStepDone(VmTaskWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        if (step is GatherVmFacts && result is VmFacts f)
        {
            if (Check(r, f) is { } error)
            {
                yield return new WorkflowFailed(error, at);
                yield break;
            }
            yield return new VmTaskChecked(f.Vm.ConfigText);
        }
        if (step is DeleteVolumes d)
            yield return Log(at, d.Volids.Select(v => $"Removed volume '{v}'").ToArray());
        if (step is AllocateVolumes && (r.Disks ?? []).FirstOrDefault(x => AllocKey(x) == step.Key) is { } made)
            yield return Log(at, $"{made.Drive}: successfully created disk '{r.Set![made.Drive]}'");
        yield return new StepCompleted(step.Key);
    }

    /// <summary>Why the request is refused on these facts (the API asks it first, the task again), or null.</summary>
    public static string? Check(VmTaskRequest r, VmFacts f)
    {
        if (!f.Vm.Exists || f.Vm.Node != r.Node) return VmDecider.NoConfig(r.Node, r.VmId);
        var cfg = QmConfig.Parse(f.Vm.ConfigText);
        var ownLock = r.Kind == Destroy && f.Vm.Lock == "destroyed";
        if (f.Vm.Lock is { } l && !r.SkipLock && !ownLock && !PowerActions.IgnoresLock(r.Kind, l)) return VmDecider.Locked(l);
        if (PowerActions.IsPower(r.Kind)) return PowerActions.Check(r.Kind, r.VmId, f.Runtime);
        // Checked before anything is allocated or resized (the config edit checks it again when it writes).
        if ((r.Kind == Resize || r.Disks is { Count: > 0 }) && r.Digest is { } dg && !string.Equals(dg, f.Vm.Digest, StringComparison.OrdinalIgnoreCase))
            return VmDecider.DigestMismatch;
        return r.Kind switch
        {
            Start when cfg.IsTemplate => "you can't start a vm if it's a template",
            Start when Hypervisor.VmArch.StartError(cfg.Main) is { } archError => archError,
            Start when f.Runtime.IsAlive => $"VM {r.VmId} already running",
            Destroy when f.Runtime.IsAlive => $"VM {r.VmId} is running - destroy failed",
            Resize when DiskEdits.ResizableDisk(cfg, r.Resize!.Disk) is { Error: { } bad } => bad,
            Resize when DriveSpec.Parse(cfg[r.Resize!.Disk]!).File != r.Resize.Volid => $"disk '{r.Resize.Disk}' does not exist",
            UnlinkDisks when Unlink.Check(cfg, r, f.Runtime.IsAlive) is { } bad => bad,
            Destroy when f.Vm.LinkedClones.Count > 0 =>
                $"base volume is used by linked clone(s): {string.Join(", ", f.Vm.LinkedClones)}",
            _ => null
        };
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(VmTaskWorkflowState s, DateTimeOffset at) =>
        ([], Tasks.TaskLog.ExitStatus(s.Core.Error, s.Core.Warnings));
}

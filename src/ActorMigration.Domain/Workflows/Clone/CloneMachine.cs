using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows.Clone;

/// <summary>POST /nodes/{node}/qemu/{vmid}/clone, validated; <see cref="Ids"/>: the clone's new identity, made by the caller.</summary>
public sealed record CloneRequest(
    int VmId,
    string Node,
    int NewId,
    string Target,
    string? Name,
    string? Description,
    bool Full,
    string? Storage,
    string? Format,
    string? Snapname,
    long? BwLimitKiB,
    string User,
    int PollIntervalMs = 500,
    FreshIds? Ids = null,
    double ProgressTimeoutSec = MirrorsProgressed.DefaultTimeoutSec);

/// <summary>How one drive is copied: linked (qcow2 overlay), convert (qemu-img) or mirror (running VM).</summary>
public sealed record CloneDisk(string Drive, string SrcVolid, string DstVolid, string Format, long SizeBytes, string Mode);

public sealed record ClonePlan(IReadOnlyList<CloneDisk> Disks, string NewConfigText, int? TemplateVmId);

public interface ICloneEvent : IWorkflowEvent;

public sealed record CloneRequested(CloneRequest Request) : ICloneEvent;

public sealed record ClonePlanned(ClonePlan Plan) : ICloneEvent;

public sealed record CloneWorkflowState(WorkflowCore Core, CloneRequest? Request, ClonePlan? Plan, MirrorsProgressed? MirrorsProgress = null)
    : IWorkflowState<CloneWorkflowState>
{
    public CloneWorkflowState WithCore(WorkflowCore core) => this with { Core = core };

    public string Phase => Core.Finished ? "done" : Core.RollingBack ? "rollback"
        : Plan is null ? "prepare"
        : Plan.Disks.Any(d => !Core.Done.Contains(CloneMachine.DiskKey(d))) ? "copy-disks"
        : "finish";
}

/// <summary>
/// qmclone: reserve the new vmid (locked "clone"), lock the source for a full clone, copy or link each disk,
/// write the new config with a new identity, unlock. Rollback removes every new volume and the new record.
/// </summary>
public sealed class CloneMachine : WorkflowMachine<CloneWorkflowState>
{
    public const string Linked = "linked", Convert = "convert", Mirror = "mirror";

    protected override string InterruptMessage => "interrupted by signal";

    public static string DiskKey(CloneDisk d) => $"disk:{d.Drive}";

    private static string BeginKey(CloneDisk d) => $"begin:{d.Drive}";

    public override CloneWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, null);

    protected override CloneWorkflowState ApplyOwn(CloneWorkflowState s, IWorkflowEvent e) => e switch
    {
        CloneRequested r => s with { Request = r.Request },
        ClonePlanned p => s with { Plan = p.Plan },
        MirrorsProgressed m => s with { MirrorsProgress = m },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(CloneWorkflowState s, object request, DateTimeOffset at)
    {
        yield return new CloneRequested((CloneRequest)request);
    }

    private static bool LocksSource(CloneRequest r) => r.Full;

    protected override IEnumerable<WorkflowStep> Forward(CloneWorkflowState s)
    {
        var r = s.Request!;
        yield return new CreateVmRecord("create", r.NewId, r.Target, $"name: {r.Name ?? "clone"}\n", "clone");
        if (LocksSource(r)) yield return new LockVm("lock-source", r.VmId, "clone", r.Node);
        yield return new GatherCloneFacts("prepare", r.VmId, r.Node, r.NewId);
        if (s.Plan is not { } plan) yield break;

        var poll = TimeSpan.FromMilliseconds(r.PollIntervalMs);
        foreach (var d in plan.Disks.Where(d => d.Mode != Mirror))
        {
            if (d.Mode == Linked)
                yield return new AllocateVolumes(DiskKey(d), r.Node, [new VolumeAlloc(d.DstVolid, "qcow2", d.SizeBytes, d.SrcVolid)]);
            else
            {
                // Logged before the copy, so the progress lines follow it (as in Proxmox's task log).
                yield return new Noop(BeginKey(d));
                yield return new ConvertDisk(DiskKey(d), r.Node, d.SrcVolid, d.DstVolid, d.Format, d.SizeBytes, r.Snapname, r.BwLimitKiB);
            }
        }
        var mirrors = plan.Disks.Where(d => d.Mode == Mirror).ToList();
        if (mirrors.Count > 0)
        {
            yield return new AllocateVolumes("mirror-alloc", r.Node, mirrors.Select(d => new VolumeAlloc(d.DstVolid, d.Format, d.SizeBytes)).ToList());
            yield return new MirrorToVolumes("mirror-start", r.Node, r.VmId,
                mirrors.Select(d => new VolumeMirror(d.Drive, d.DstVolid, d.Format)).ToList(), r.BwLimitKiB);
            yield return new PollMirrors("mirror-ready", r.Node, r.VmId, poll);
            // Cancel keeps the source on its own disk; the new volumes hold a consistent copy.
            yield return new FinishMirrors("mirror-finish", r.Node, r.VmId, mirrors.Select(d => d.Drive).ToList(), Pivot: false);
            foreach (var d in mirrors) yield return new Noop(DiskKey(d));
        }
        if (plan.TemplateVmId is { } t) yield return new LinkClone("link", t, r.NewId, Add: true);
        yield return new ReplaceConfig("config", r.NewId, plan.NewConfigText);
        yield return new UnlockVm("unlock", r.NewId);
        if (LocksSource(r)) yield return new UnlockVm("unlock-source", r.VmId);
    }

    protected override IEnumerable<WorkflowStep> Rollback(CloneWorkflowState s)
    {
        var r = s.Request!;
        if (s.Plan is { } plan)
        {
            var mirrors = plan.Disks.Where(d => d.Mode == Mirror).ToList();
            if (mirrors.Count > 0 && s.Core.Done.Contains("mirror-alloc"))
                yield return new FinishMirrors("rb-mirrors", r.Node, r.VmId, mirrors.Select(d => d.Drive).ToList(), Pivot: false);
            if (plan.Disks.Count > 0)
                yield return new DeleteVolumes("rb-volumes", r.Node, plan.Disks.Select(d => d.DstVolid).ToList());
            if (plan.TemplateVmId is { } t) yield return new LinkClone("rb-link", t, r.NewId, Add: false);
        }
        if (s.Core.Done.Contains("create")) yield return new DestroyVmRecord("rb-destroy", r.NewId, r.Target);
        if (LocksSource(r)) yield return new UnlockVm("rb-unlock-source", r.VmId);
    }

    /// <summary>The refusals Proxmox gives before a clone starts, given what the source looks like.</summary>
    public static string? Check(CloneRequest r, VmRecordView source, StorageConfig storage, string? lockOwner)
    {
        if (!source.Exists || source.Node != r.Node) return VmDecider.NoConfig(r.Node, r.VmId);
        if (source.Lock is { } l && source.LockOwner != lockOwner) return VmDecider.Locked(l);
        if (r.Ids is null) return "clone request carries no new identity";
        var cfg = QmConfig.Parse(source.ConfigText);
        var section = r.Snapname is { } snap ? cfg.Snapshot(snap) : cfg.Main;
        if (section is null) return $"snapshot '{r.Snapname}' does not exist";
        // The caller makes one new MAC per NIC it saw; a NIC added since then has none.
        if (section.Keys.Where(NetSpec.IsNetKey).FirstOrDefault(k => !r.Ids.HasMacFor(k)) is { } nic)
            return $"clone request carries no new MAC address for {nic}";
        if (!r.Full)
        {
            if (r.Storage is not null) return "parameter 'storage' not allowed for linked clones";
            if (r.Format is not null) return "parameter 'format' not allowed for linked clones";
            // Only base volumes can back a linked clone (a template made with disk=... may still have others).
            foreach (var (key, d) in Drives.All(section, includeUnused: false))
                if (!d.IsCdrom && d.Volume is not null
                    && (!cfg.IsTemplate || !VolumeName.TryParse(d.File, out var vn, out _) || !vn!.IsBase))
                    return $"Linked clone feature is not supported for '{d.File}' ({key})";
        }
        if (r.Storage is { } sid)
        {
            if (storage.Get(sid) is not { } def) return $"storage '{sid}' does not exist";
            if (!def.AvailableOn(r.Target)) return $"storage '{sid}' is not available on node '{r.Target}'";
            if (!def.HasContent("images")) return $"storage '{sid}' does not support vm images";
        }
        if (r.Target != r.Node)
        {
            foreach (var (_, d) in Drives.All(section, includeUnused: false))
            {
                if (d.Volume is not { } v) continue;
                var sid2 = r.Full && r.Storage is not null && !d.IsCdrom ? r.Storage : v.Storage;
                if (storage.Get(sid2) is not { Shared: true }) return $"can't clone VM to node '{r.Target}' (VM uses local storage)";
            }
        }
        return null;
    }

    /// <summary>Disk copies and the new config.</summary>
    public static ClonePlan Plan(CloneRequest r, VmRecordView source, bool running, IReadOnlyCollection<string> existing)
    {
        var cfg = QmConfig.Parse(source.ConfigText);
        var section = (r.Snapname is { } snap ? cfg.Snapshot(snap)! : cfg.Main).Clone();
        var taken = new HashSet<string>(existing);
        var disks = new List<CloneDisk>();
        int? template = null;
        var n = 0;
        // A disk number counts as taken in any format, as Proxmox's find_free_diskname does.
        bool Taken(string storage, string name) => taken.Any(t =>
            VolumeName.TryParse(t, out var v, out _) && v!.Storage == storage && v.DiskNumber == VolumeName.TryParseDiskNumber(name));
        foreach (var (key, d) in Drives.All(section, includeUnused: true).ToList())
        {
            if (Drives.IsUnused(key))
            {
                section.Remove(key);
                continue;
            }
            if (d.IsCdrom && CloudInit.CloudInitDrive.IsVolume(d.File, r.VmId))
            {
                // clone_disk: the clone gets its own cloud-init drive (its image is written at its start).
                var ci = VolumeName.Parse(d.File);
                var ciDst = CloudInit.CloudInitDrive.VolId(r.Full && r.Storage is not null ? r.Storage : ci.Storage, r.NewId, ci.Format);
                taken.Add(ciDst);
                disks.Add(new CloneDisk(key, d.File, ciDst, ci.Format, d.SizeBytes ?? CloudInit.CloudInitDrive.SizeBytes, Convert));
                d.File = ciDst;
                section[key] = d.ToString();
                continue;
            }
            if (d.IsCdrom || d.Volume is null) continue;
            var src = VolumeName.Parse(d.File);
            string mode, format, storage;
            if (!r.Full)
            {
                (mode, format, storage) = (Linked, "qcow2", src.Storage);
                template = src.VmId;
            }
            else
            {
                mode = running && r.Snapname is null && !cfg.IsTemplate ? Mirror : Convert;
                (format, storage) = (r.Format ?? src.Format, r.Storage ?? src.Storage);
            }
            string name;
            do name = VolumeName.DiskName(r.NewId, n++, format);
            while (Taken(storage, name));
            var dst = mode == Linked
                ? $"{src.Storage}:{src.VmId}/{src.Name}/{r.NewId}/{name}"
                : VolumeName.ImageVolId(storage, r.NewId, name);
            taken.Add(dst);
            var size = d.SizeBytes ?? 0;
            disks.Add(new CloneDisk(key, d.File, dst, format, size, mode));
            d.File = dst;
            d.Props["format"] = null;
            section[key] = d.ToString();
        }
        foreach (var k in new[] { "template", "lock", "parent", "snaptime", "vmstate", "runningmachine", "runningcpu" })
            section.Remove(k);
        section["name"] = r.Name ?? $"Copy-of-VM-{cfg.Main["name"] ?? r.VmId.ToString()}";
        if (r.Description is not null) section.Description = r.Description;
        VmConfigRules.NewIdentity(section, r.Ids!);
        var result = new QmConfig();
        foreach (var (k, v) in section.Values) result[k] = v;
        result.Main.Description = section.Description;
        // clone_vm copies the special sections with the current config (not from a snapshot): the clone's cloud-init
        // image is the source's copy, so the changes recorded since it was written hold for the clone too.
        if (r.Snapname is null) result.Special.AddRange(cfg.Special.Where(x => x.Name == CloudInit.CloudInitChanges.Section));
        return new ClonePlan(disks, result.ToString(), template);
    }

    protected override IEnumerable<IWorkflowEvent> OnStepDone(CloneWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        switch (step, result)
        {
            case (GatherCloneFacts, CloneFacts f):
            {
                var storage = StorageConfig.Parse(f.StorageConfigText);
                if (Check(r, f.Source, storage, LocksSource(r) ? s.Core.Upid : null) is { } error)
                {
                    yield return new WorkflowFailed(error, at);
                    yield break;
                }
                if (!f.NewVm.Exists || f.NewVm.LockOwner != s.Core.Upid)
                {
                    yield return new WorkflowFailed($"unable to create VM {r.NewId}: config file already exists", at);
                    yield break;
                }
                yield return new ClonePlanned(Plan(r, f.Source, f.Runtime.IsAlive, f.ExistingVolumes));
                break;
            }
            case (AllocateVolumes a, _) when s.Plan?.Disks.FirstOrDefault(d => DiskKey(d) == a.Key) is { Mode: Linked } d:
                yield return Log(at, $"create linked clone of drive {d.Drive} ({d.SrcVolid})");
                break;
            case (Noop n, _) when s.Plan?.Disks.FirstOrDefault(d => BeginKey(d) == n.Key) is { } d:
                yield return Log(at, $"create full clone of drive {d.Drive} ({d.SrcVolid})");
                break;
            case (ConvertDisk, VolumeReady v):
                yield return Log(at, SizeFormat.Transferred(v.Volume.VirtualSize, v.Volume.VirtualSize));
                break;
            case (MirrorToVolumes m, _):
                yield return Log(at, m.Mirrors.Select(x => $"create full clone of drive {x.Drive} ({s.Plan!.Disks.First(d => d.Drive == x.Drive).SrcVolid})")
                    .Append("drive mirror is starting").ToArray());
                break;
            case (PollMirrors, MirrorsPolled p):
            {
                var expected = s.Plan!.Disks.Where(d => d.Mode == Mirror).Select(d => d.Drive).ToList();
                if (p.Jobs.FirstOrDefault(j => j.Error is not null) is { } bad)
                {
                    yield return new WorkflowFailed($"mirroring error: {bad.Device}: {bad.Error}", at);
                    yield break;
                }
                var jobs = expected.Select(d => p.Jobs.FirstOrDefault(j => j.Device == d || j.Device == $"drive-{d}")).ToList();
                if (jobs.Any(j => j is null))
                {
                    yield return new WorkflowFailed("mirroring error: 'mirror' has been cancelled", at);
                    yield break;
                }
                var ready = jobs.All(j => j!.Ready);
                var logDue = ready || at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1);
                var lines = jobs.Select(j =>
                    $"{j!.Device}: transferred {SizeFormat.Human(j.Offset)} of {SizeFormat.Human(j.Length)}{(j.Ready ? ", ready" : "")}").ToArray();
                if (logDue) yield return Log(at, lines);
                if (ready) break;
                var (mark, stalled) = MirrorsProgressed.Check(s.MirrorsProgress, p.Jobs, at, logDue, r.ProgressTimeoutSec, lines);
                if (mark is not null) yield return mark;
                if (stalled is not null) yield return new WorkflowFailed(stalled, at);
                yield break;
            }
            case (LinkClone { Key: "link" }, _):
                yield return Log(at, $"registered VM {r.NewId} as linked clone of template {s.Plan!.TemplateVmId}");
                break;
        }
        yield return new StepCompleted(step.Key);
    }

    protected override IEnumerable<IWorkflowEvent> OnProgress(CloneWorkflowState s, WorkflowStep step, StepResult progress, DateTimeOffset at)
    {
        // The 100% line comes once, when the step is done.
        if (progress is CopyProgressed p && p.DoneBytes < p.TotalBytes && at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1))
            yield return Log(at, SizeFormat.Transferred(p.DoneBytes, p.TotalBytes));
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(CloneWorkflowState s, DateTimeOffset at) =>
        s.Core.Error is { } err ? ([], $"clone failed: {err}") : ([], Tasks.TaskLog.ExitStatus(null, s.Core.Warnings));
}

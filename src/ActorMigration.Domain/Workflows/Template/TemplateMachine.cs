using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows.Template;

/// <summary>POST /nodes/{node}/qemu/{vmid}/template; <see cref="Disk"/> converts only that drive.</summary>
public sealed record TemplateRequest(int VmId, string Node, string? Disk, string User);

public interface ITemplateEvent : IWorkflowEvent;

public sealed record TemplateRequested(TemplateRequest Request) : ITemplateEvent;

/// <summary>The volumes to rename and the config to write, decided after the checks.</summary>
public sealed record TemplatePlanned(IReadOnlyList<VolumeRename> Renames, string NewConfigText) : ITemplateEvent;

public sealed record VolumeRename(string Drive, string From, string To);

public sealed record TemplateWorkflowState(WorkflowCore Core, TemplateRequest? Request, IReadOnlyList<VolumeRename>? Renames, string? NewConfigText)
    : IWorkflowState<TemplateWorkflowState>
{
    public TemplateWorkflowState WithCore(WorkflowCore core) => this with { Core = core };
    public string Phase => Core.Finished ? "done" : Core.RollingBack ? "rollback" : Renames is null ? "prepare" : "convert";
}

/// <summary>Checks, renames disks to base-&lt;vmid&gt;-disk-N (read-only), sets template: 1.</summary>
public sealed class TemplateMachine : WorkflowMachine<TemplateWorkflowState>
{
    public const string Running = "you can't convert a VM to template if VM is running";
    public const string AlreadyTemplate = "you can't convert a template to a template";
    public const string HasSnapshots = "unable to create template, because VM contains snapshots";

    public override TemplateWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, null, null);

    protected override TemplateWorkflowState ApplyOwn(TemplateWorkflowState s, IWorkflowEvent e) => e switch
    {
        TemplateRequested r => s with { Request = r.Request },
        TemplatePlanned p => s with { Renames = p.Renames, NewConfigText = p.NewConfigText },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(TemplateWorkflowState s, object request, DateTimeOffset at)
    {
        yield return new TemplateRequested((TemplateRequest)request);
    }

    /// <summary>The refusal for this VM, if any (Proxmox's wording).</summary>
    public static string? Check(VmFacts f, TemplateRequest r, string? lockOwner)
    {
        if (!f.Vm.Exists || f.Vm.Node != r.Node) return VmDecider.NoConfig(r.Node, r.VmId);
        if (f.Vm.Lock is { } l && f.Vm.LockOwner != lockOwner) return VmDecider.Locked(l);
        var cfg = QmConfig.Parse(f.Vm.ConfigText);
        // Proxmox's order: snapshots, template, running.
        if (cfg.Snapshots.Count > 0) return HasSnapshots;
        // With disk=..., a template converts one more of its disks (Proxmox: only without 'disk' is this refused).
        if (cfg.IsTemplate && r.Disk is null) return AlreadyTemplate;
        if (f.Runtime.IsAlive) return Running;
        if (r.Disk is { } d && (cfg[d] is null || !Drives.IsDriveKey(d))) return $"no such disk '{d}'";
        return null;
    }

    /// <summary>
    /// Renames vm-&lt;vmid&gt;-disk-N to base-&lt;vmid&gt;-disk-N for the VM's own disks. A linked clone's disk keeps its
    /// place in the chain (Proxmox's create_base): &lt;basevmid&gt;/&lt;basename&gt;/&lt;vmid&gt;/base-&lt;vmid&gt;-disk-N.
    /// </summary>
    public static (IReadOnlyList<VolumeRename> Renames, string Config) Plan(string configText, int vmid, string? onlyDisk)
    {
        var cfg = QmConfig.Parse(configText);
        var renames = new List<VolumeRename>();
        foreach (var (key, d) in Drives.All(cfg.Main, includeUnused: false))
        {
            if (onlyDisk is not null && key != onlyDisk) continue;
            if (d.IsCdrom || d.Volume is null) continue;
            if (!VolumeName.TryParse(d.File, out var vn, out _) || vn!.VType != "images" || vn.VmId != vmid || vn.IsBase
                || !vn.Name.StartsWith("vm-", StringComparison.Ordinal))
                continue;
            var baseName = "base" + vn.Name[2..];
            var to = vn.BaseName is null
                ? VolumeName.ImageVolId(vn.Storage, vmid, baseName)
                : $"{vn.Storage}:{vn.BaseVmId}/{vn.BaseName}/{vmid}/{baseName}";
            renames.Add(new VolumeRename(key, d.File, to));
            d.File = to;
            cfg[key] = d.ToString();
        }
        cfg["template"] = "1";
        return (renames, cfg.ToString());
    }

    protected override IEnumerable<WorkflowStep> Forward(TemplateWorkflowState s)
    {
        var r = s.Request!;
        yield return new LockVm("lock", r.VmId, "template", r.Node);
        yield return new GatherVmFacts("check", r.VmId, r.Node);
        if (s.Renames is null) yield break;
        foreach (var x in s.Renames)
            yield return new RenameVolume($"rename:{x.Drive}", r.Node, x.From, x.To, ReadOnly: true);
        yield return new ReplaceConfig("config", r.VmId, s.NewConfigText!);
        yield return new UnlockVm("unlock", r.VmId);
    }

    protected override IEnumerable<WorkflowStep> Rollback(TemplateWorkflowState s)
    {
        var r = s.Request!;
        if (s.Renames is not null && !s.Core.Done.Contains("config"))
            foreach (var x in s.Renames.Reverse())
                yield return new RenameVolume($"rb-rename:{x.Drive}", r.Node, x.To, x.From, ReadOnly: false);
        yield return new UnlockVm("rb-unlock", r.VmId);
    }

    protected override IEnumerable<IWorkflowEvent> OnStepDone(TemplateWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        if (step is GatherVmFacts && result is VmFacts f)
        {
            if (Check(f, r, s.Core.Upid) is { } error)
            {
                yield return new WorkflowFailed(error, at);
                yield break;
            }
            var (renames, config) = Plan(f.Vm.ConfigText, r.VmId, r.Disk);
            yield return new TemplatePlanned(renames, config);
        }
        if (step is RenameVolume { Key: var k } rv && k.StartsWith("rename:"))
            yield return Log(at, $"renamed volume '{rv.From}' to '{rv.To}'");
        yield return new StepCompleted(step.Key);
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(TemplateWorkflowState s, DateTimeOffset at) =>
        ([], Tasks.TaskLog.ExitStatus(s.Core.Error, s.Core.Warnings));
}

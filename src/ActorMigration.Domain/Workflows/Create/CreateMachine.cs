using System.Collections.Immutable;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Workflows.Create;

public sealed record CreateWorkflowState(
    WorkflowCore Core,
    CreateRequest? Request,
    ImmutableDictionary<string, long> DiskSizes) : IWorkflowState<CreateWorkflowState>
{
    public CreateWorkflowState WithCore(WorkflowCore core) => this with { Core = core };

    public string Phase => Core.Finished ? "done" : Core.RollingBack ? "rollback"
        : Request is null || !Core.Done.Contains("create") ? "prepare"
        : Request.Disks.Any(d => !Core.Done.Contains(CreateMachine.DiskKey(d))) ? "create-disks"
        : "finish";

    /// <summary>The final config: the request's config with each new disk's volid and size.</summary>
    public string FinalConfig()
    {
        var cfg = QmConfig.Parse(Request!.ConfigText);
        foreach (var d in Request.Disks)
        {
            var size = DiskSizes.TryGetValue(d.Drive, out var s) ? s : d.SizeBytes;
            var spec = DriveSpec.Parse(d.Options.Length == 0 ? d.DstVolid : $"{d.DstVolid},{d.Options}");
            spec.File = d.DstVolid;
            spec.SizeBytes = size;
            cfg[d.Drive] = spec.ToString();
        }
        return cfg.ToString();
    }
}

/// <summary>qmcreate: reserve the vmid (locked), create or import disks, write the config, unlock, optionally start.</summary>
public sealed class CreateMachine : WorkflowMachine<CreateWorkflowState>
{
    public static string DiskKey(DiskPlan d) =>
        (d.RestoreFrom is not null ? "restore:" : d.ImportFrom is null ? "alloc:" : "import:") + d.Drive;

    private static string BeginKey(DiskPlan d) => "begin:" + d.Drive;

    /// <summary>
    /// An EFI vars disk is as large as the OVMF vars template, whatever size was asked (Proxmox's create_efidisk:
    /// 528K for efitype=4m, 128K otherwise), a TPM state disk 4 MiB (TPMSTATE_DISK_SIZE); every other disk as asked.
    /// </summary>
    public static long AllocationSize(DiskPlan d) => d.Drive switch
    {
        "efidisk0" => d.Options.Split(',').Contains("efitype=4m") ? 540672 : 131072,
        "tpmstate0" => 4L << 20,
        _ => d.SizeBytes
    };

    private static string TemplateKey(DiskPlan d) => "template:" + d.Drive;

    public override CreateWorkflowState Initial(string upid) =>
        new(WorkflowCore.Create(upid), null, ImmutableDictionary<string, long>.Empty);

    protected override CreateWorkflowState ApplyOwn(CreateWorkflowState s, IWorkflowEvent e) => e switch
    {
        CreateRequested r => s with { Request = r.Request },
        CreateDiskReady d => s with { DiskSizes = s.DiskSizes.SetItem(d.Drive, d.SizeBytes) },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(CreateWorkflowState s, object request, DateTimeOffset at)
    {
        var r = (CreateRequest)request;
        yield return new CreateRequested(r);
        if (r.Archive is not null) yield return Log(at, $"restore archive: {r.Archive}");
        foreach (var w in r.Warnings ?? [])
        {
            if (w.StartsWith(CreateRequest.NotePrefix, StringComparison.Ordinal))
            {
                yield return Log(at, w);
                continue;
            }
            yield return Log(at, $"WARN: {w}");
            yield return new TaskWarned(w);
        }
    }

    protected override IEnumerable<WorkflowStep> Forward(CreateWorkflowState s)
    {
        var r = s.Request!;
        yield return new CreateVmRecord("create", r.VmId, r.Node, r.ConfigText, "create");
        foreach (var d in r.Disks)
        {
            if (d.RestoreFrom is { } archive)
                yield return new RestoreDisk(DiskKey(d), r.Node, archive, d.Drive, d.DstVolid, d.Format);
            else if (d.ImportFrom is null)
                yield return new AllocateVolumes(DiskKey(d), r.Node, [new VolumeAlloc(d.DstVolid, d.Format, AllocationSize(d))]);
            else
            {
                // Logged before the copy, so the progress lines follow it.
                yield return new Noop(BeginKey(d));
                yield return new ConvertDisk(DiskKey(d), r.Node, d.ImportFrom, d.DstVolid, d.Format, d.SizeBytes, null, r.BwLimitKiB);
            }
        }
        // A restored template: its (base) volumes are read-only again, as after qm template.
        if (r.Archive is not null && QmConfig.Parse(r.ConfigText).IsTemplate)
            foreach (var d in r.Disks)
                yield return new RenameVolume(TemplateKey(d), r.Node, d.DstVolid, d.DstVolid, ReadOnly: true);
        yield return new ReplaceConfig("config", r.VmId, s.FinalConfig());
        yield return new UnlockVm("unlock", r.VmId);
        if (r.Start)
            yield return new StartVm("start", r.Node, r.VmId, s.FinalConfig(), null, s.Core.Upid);
    }

    protected override IEnumerable<WorkflowStep> Rollback(CreateWorkflowState s)
    {
        var r = s.Request!;
        if (s.Core.Done.Contains("unlock"))
        {
            // The VM exists and is usable; only the start failed.
            yield break;
        }
        if (r.Disks.Count > 0)
            yield return new DeleteVolumes("rb-volumes", r.Node, r.Disks.Select(d => d.DstVolid).ToList());
        if (s.Core.Done.Contains("create"))
            yield return new DestroyVmRecord("rb-destroy", r.VmId, r.Node);
    }

    protected override IEnumerable<IWorkflowEvent> OnStepDone(CreateWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        switch (step, result)
        {
            case (AllocateVolumes, _):
            {
                var d = r.Disks.First(x => DiskKey(x) == step.Key);
                var size = AllocationSize(d);
                yield return new CreateDiskReady(d.Drive, d.DstVolid, size);
                yield return Log(at, $"{d.Drive}: successfully created disk '{d.DstVolid},size={SizeFormat.Format(size)}'");
                break;
            }
            case (RestoreDisk rd, VolumeReady v):
            {
                var d = r.Disks.First(x => DiskKey(x) == step.Key);
                yield return new CreateDiskReady(d.Drive, d.DstVolid, v.Volume.VirtualSize);
                yield return Log(at, $"restored drive-{d.Drive} to '{d.DstVolid}' ({SizeFormat.Human(v.Volume.VirtualSize)})");
                break;
            }
            case (RenameVolume rv, _) when r.Disks.FirstOrDefault(x => TemplateKey(x) == rv.Key) is { } d:
                if (r.Disks[0] == d) yield return Log(at, "Convert to template.");
                yield return Log(at, $"{d.Drive}: base volume '{d.DstVolid}' is read-only");
                break;
            case (Noop n, _) when r.Disks.FirstOrDefault(x => BeginKey(x) == n.Key) is { ImportFrom: { } from }:
                yield return Log(at, $"importing disk '{from}' to VM {r.VmId} ...");
                break;
            case (ConvertDisk, VolumeReady v):
            {
                var d = r.Disks.First(x => DiskKey(x) == step.Key);
                yield return new CreateDiskReady(d.Drive, d.DstVolid, v.Volume.VirtualSize);
                yield return Log(at, $"transferred {SizeFormat.Human(v.Volume.VirtualSize)} of {SizeFormat.Human(v.Volume.VirtualSize)} (100.00%)",
                    $"{d.Drive}: successfully created disk '{d.DstVolid},size={SizeFormat.Format(v.Volume.VirtualSize)}'");
                break;
            }
        }
        yield return new StepCompleted(step.Key);
    }

    protected override IEnumerable<IWorkflowEvent> OnProgress(CreateWorkflowState s, WorkflowStep step, StepResult progress, DateTimeOffset at)
    {
        // The 100% line comes once, when the step is done.
        if (progress is CopyProgressed p && p.DoneBytes < p.TotalBytes && at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1))
        {
            var percent = p.TotalBytes == 0 ? 100 : p.DoneBytes * 100.0 / p.TotalBytes;
            yield return Log(at, $"transferred {SizeFormat.Human(p.DoneBytes)} of {SizeFormat.Human(p.TotalBytes)} ({percent:0.00}%)");
        }
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(CreateWorkflowState s, DateTimeOffset at)
    {
        if (s.Core.Error is { } err)
        {
            var msg = s.Core.Done.Contains("unlock") ? err
                : s.Request!.Archive is not null ? $"unable to restore VM {s.Request.VmId} - {err}"
                : $"unable to create VM {s.Request.VmId} - {err}";
            return ([], msg);
        }
        return ([], Tasks.TaskLog.ExitStatus(null, s.Core.Warnings));
    }
}

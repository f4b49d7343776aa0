using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows.Backup;

/// <summary>POST /nodes/{node}/vzdump for one stopped VM into a backup storage.</summary>
public sealed record BackupRequest(int VmId, string Node, string Storage, string ArchiveVolid, string User);

public interface IBackupEvent : IWorkflowEvent;

public sealed record BackupRequested(BackupRequest Request) : IBackupEvent;

public sealed record BackupPlanned(string ConfigText, IReadOnlyList<DriveVolume> Disks) : IBackupEvent;

public sealed record BackupWorkflowState(WorkflowCore Core, BackupRequest? Request, string? ConfigText, IReadOnlyList<DriveVolume>? Disks)
    : IWorkflowState<BackupWorkflowState>
{
    public BackupWorkflowState WithCore(WorkflowCore core) => this with { Core = core };
    public string Phase => Core.Finished ? "done" : Core.RollingBack ? "rollback" : Disks is null ? "prepare" : "backup";
}

/// <summary>vzdump (stop mode on a stopped VM): lock, write the archive (config + disks), unlock.</summary>
public sealed class BackupMachine : WorkflowMachine<BackupWorkflowState>
{
    public override BackupWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, null, null);

    protected override BackupWorkflowState ApplyOwn(BackupWorkflowState s, IWorkflowEvent e) => e switch
    {
        BackupRequested r => s with { Request = r.Request },
        BackupPlanned p => s with { ConfigText = p.ConfigText, Disks = p.Disks },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(BackupWorkflowState s, object request, DateTimeOffset at)
    {
        var r = (BackupRequest)request;
        yield return new BackupRequested(r);
        yield return LogRaw(at, $"INFO: starting new backup job: vzdump {r.VmId} --storage {r.Storage} --mode stop",
            $"INFO: Starting Backup of VM {r.VmId} (qemu)",
            $"INFO: Backup started at {at.ToLocalTime():yyyy-MM-dd HH:mm:ss}");
    }

    protected override IEnumerable<WorkflowStep> Forward(BackupWorkflowState s)
    {
        var r = s.Request!;
        yield return new LockVm("lock", r.VmId, "backup", r.Node);
        yield return new GatherVmFacts("check", r.VmId, r.Node);
        if (s.Disks is null) yield break;
        yield return new BackupVm("archive", r.Node, r.VmId, r.ArchiveVolid, s.ConfigText!, s.Disks);
        yield return new UnlockVm("unlock", r.VmId);
    }

    protected override IEnumerable<WorkflowStep> Rollback(BackupWorkflowState s)
    {
        var r = s.Request!;
        yield return new DeleteVolumes("rb-archive", r.Node, [r.ArchiveVolid]);
        yield return new UnlockVm("rb-unlock", r.VmId);
    }

    protected override IEnumerable<IWorkflowEvent> OnStepDone(BackupWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        if (step is GatherVmFacts && result is VmFacts f)
        {
            string? error = null;
            if (!f.Vm.Exists || f.Vm.Node != r.Node) error = VmDecider.NoConfig(r.Node, r.VmId);
            else if (f.Runtime.IsAlive) error = $"VM {r.VmId} is running - only stopped VMs can be backed up here";
            if (error is not null)
            {
                yield return new WorkflowFailed(error, at);
                yield break;
            }
            var cfg = QmConfig.Parse(f.Vm.ConfigText);
            cfg["lock"] = null;
            // As vzdump: the archive holds the current config only — no snapshot sections, no parent, nothing pending.
            cfg["parent"] = null;
            cfg.Snapshots.Clear();
            cfg.Pending = null;
            var disks = Drives.All(cfg.Main, includeUnused: false)
                .Where(d => !d.Drive.IsCdrom && d.Drive.Volume is not null && Drives.Bus(d.Key) != "tpmstate")
                .Select(d => new DriveVolume(d.Key, d.Drive.File)).ToList();
            yield return new BackupPlanned(cfg.ToString(), disks);
            yield return LogRaw(at, ["INFO: status = stopped", "INFO: backup mode: stop",
                $"INFO: VM Name: {cfg.Name(r.VmId)}",
                .. disks.Select(d => $"INFO: include disk '{d.Drive}' '{d.Volid}'"),
                $"INFO: creating vzdump archive '{r.ArchiveVolid}'"]);
        }
        if (step is BackupVm)
        {
            var duration = SizeFormat.Duration(at - s.Core.StartedAt);
            yield return LogRaw(at, $"INFO: archive file '{r.ArchiveVolid}' written",
                $"INFO: Finished Backup of VM {r.VmId} ({duration})",
                $"INFO: Backup finished at {at.ToLocalTime():yyyy-MM-dd HH:mm:ss}",
                "INFO: Backup job finished successfully");
        }
        yield return new StepCompleted(step.Key);
    }

    protected override IEnumerable<IWorkflowEvent> OnProgress(BackupWorkflowState s, WorkflowStep step, StepResult progress, DateTimeOffset at)
    {
        if (progress is CopyProgressed p && at - s.Core.LastLogAt >= TimeSpan.FromSeconds(1))
            yield return LogRaw(at, $"INFO: {(p.TotalBytes == 0 ? 100 : p.DoneBytes * 100 / p.TotalBytes)}% " +
                $"({SizeFormat.Human(p.DoneBytes)} of {SizeFormat.Human(p.TotalBytes)})");
    }

    protected override (IReadOnlyList<string> Lines, string ExitStatus) Outcome(BackupWorkflowState s, DateTimeOffset at) =>
        s.Core.Error is { } e
            ? ([$"ERROR: Backup of VM {s.Request!.VmId} failed - {e}", "INFO: Failed at " + at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss")],
                "job errors")
            : ([], Tasks.TaskLog.ExitStatus(null, s.Core.Warnings));
}

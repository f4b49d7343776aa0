using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Workflows.Backup;

/// <summary>
/// POST /nodes/{node}/vzdump for one VM into a backup storage. <paramref name="Mode"/>: snapshot, suspend or stop (what
/// happens to a running VM); <paramref name="Compress"/>: null, gzip or zstd.
/// </summary>
public sealed record BackupRequest(int VmId, string Node, string Storage, string ArchiveVolid, string User,
    string Mode = "snapshot", string? Compress = null);

public interface IBackupEvent : IWorkflowEvent;

public sealed record BackupRequested(BackupRequest Request) : IBackupEvent;

/// <summary>
/// What goes into the archive. <paramref name="RunningConfig"/>: the VM ran (its config as it was, to start it again after
/// a stop-mode backup); null when it was stopped.
/// </summary>
public sealed record BackupPlanned(string ConfigText, IReadOnlyList<DriveVolume> Disks, string? RunningConfig = null) : IBackupEvent;

public sealed record BackupWorkflowState(WorkflowCore Core, BackupRequest? Request, string? ConfigText, IReadOnlyList<DriveVolume>? Disks,
    string? RunningConfig = null) : IWorkflowState<BackupWorkflowState>
{
    public BackupWorkflowState WithCore(WorkflowCore core) => this with { Core = core };
    public string Phase => Core.Finished ? "done" : Core.RollingBack ? "rollback" : Disks is null ? "prepare" : "backup";

    /// <summary>The mode applied: a stopped VM is backed up in stop mode whatever was asked (as vzdump).</summary>
    public string Mode => RunningConfig is null ? "stop" : Request!.Mode;

    /// <summary>Stop mode on a running VM: shut down before the archive, started again after it.</summary>
    public bool Restarts => RunningConfig is not null && Mode == "stop";
}

/// <summary>
/// vzdump: lock, write the archive (config + disks), unlock. A running VM: snapshot mode copies its disks with a QEMU
/// block job while it runs, suspend mode pauses it meanwhile, stop mode shuts it down and starts it again after.
/// </summary>
public sealed class BackupMachine : WorkflowMachine<BackupWorkflowState>
{
    /// <summary>How long a stop-mode backup waits for the guest to shut down before it stops it hard.</summary>
    public const int ShutdownTimeoutSeconds = 600;

    public override BackupWorkflowState Initial(string upid) => new(WorkflowCore.Create(upid), null, null, null);

    protected override BackupWorkflowState ApplyOwn(BackupWorkflowState s, IWorkflowEvent e) => e switch
    {
        BackupRequested r => s with { Request = r.Request },
        BackupPlanned p => s with { ConfigText = p.ConfigText, Disks = p.Disks, RunningConfig = p.RunningConfig },
        _ => s
    };

    protected override IEnumerable<IWorkflowEvent> OnStart(BackupWorkflowState s, object request, DateTimeOffset at)
    {
        var r = (BackupRequest)request;
        yield return new BackupRequested(r);
        var compress = r.Compress is null ? "" : $" --compress {r.Compress}";
        yield return LogRaw(at, $"INFO: starting new backup job: vzdump {r.VmId} --storage {r.Storage} --mode {r.Mode}{compress}",
            $"INFO: Starting Backup of VM {r.VmId} (qemu)",
            $"INFO: Backup started at {at.ToLocalTime():yyyy-MM-dd HH:mm:ss}");
    }

    protected override IEnumerable<WorkflowStep> Forward(BackupWorkflowState s)
    {
        var r = s.Request!;
        yield return new LockVm("lock", r.VmId, "backup", r.Node);
        yield return new GatherVmFacts("check", r.VmId, r.Node);
        if (s.Disks is null) yield break;
        if (s.Restarts) yield return new ShutdownVm("shutdown", r.Node, r.VmId, ShutdownTimeoutSeconds);
        var live = s.RunningConfig is not null && !s.Restarts;
        yield return new BackupVm("archive", r.Node, r.VmId, r.ArchiveVolid, s.ConfigText!, s.Disks, live, live && s.Mode == "suspend");
        if (s.Restarts) yield return new StartVm("restart", r.Node, r.VmId, s.RunningConfig!, null, s.Core.Upid);
        yield return new UnlockVm("unlock", r.VmId);
    }

    protected override IEnumerable<WorkflowStep> Rollback(BackupWorkflowState s)
    {
        var r = s.Request!;
        // The archive and the block job's copies go; a suspended guest runs again, a stopped one is started again.
        var temps = s.RunningConfig is null || s.Restarts ? [] : s.Disks!.Select(d => BackupVm.TempOf(r.VmId, d));
        yield return new DeleteVolumes("rb-archive", r.Node, [r.ArchiveVolid, .. temps]);
        if (s.RunningConfig is not null && s.Mode == "suspend") yield return new ResumeVm("rb-resume", r.Node, r.VmId);
        if (s.Restarts && s.Core.Done.Contains("shutdown"))
            yield return new StartVm("rb-start", r.Node, r.VmId, s.RunningConfig!, null, s.Core.Upid);
        yield return new UnlockVm("rb-unlock", r.VmId);
    }

    protected override IEnumerable<IWorkflowEvent> OnStepDone(BackupWorkflowState s, WorkflowStep step, StepResult result, DateTimeOffset at)
    {
        var r = s.Request!;
        if (step is GatherVmFacts && result is VmFacts f)
        {
            string? error = null;
            if (!f.Vm.Exists || f.Vm.Node != r.Node) error = VmDecider.NoConfig(r.Node, r.VmId);
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
            var running = f.Runtime.IsAlive ? f.Vm.ConfigText : null;
            yield return new BackupPlanned(cfg.ToString(), disks, running);
            yield return LogRaw(at, [$"INFO: status = {(running is null ? "stopped" : "running")}",
                $"INFO: backup mode: {(running is null ? "stop" : r.Mode)}",
                $"INFO: VM Name: {cfg.Name(r.VmId)}",
                .. disks.Select(d => $"INFO: include disk '{d.Drive}' '{d.Volid}'"),
                $"INFO: creating vzdump archive '{r.ArchiveVolid}'"]);
            if (running is not null && r.Mode == "stop") yield return LogRaw(at, "INFO: stopping virtual guest");
            if (running is not null && r.Mode == "suspend") yield return LogRaw(at, "INFO: suspending guest");
            if (running is not null && r.Mode != "stop") yield return LogRaw(at, "INFO: started backup task 'vzdump'");
        }
        if (step is BackupVm { Suspend: true }) yield return LogRaw(at, "INFO: resuming VM again");
        if (step is StartVm) yield return LogRaw(at, "INFO: restarting vm");
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

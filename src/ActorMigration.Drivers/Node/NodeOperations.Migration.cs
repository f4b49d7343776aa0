using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Drivers.Node;

/// <summary>Outgoing migration and drive mirrors: one query-migrate or one query-block-jobs per operation.</summary>
public sealed partial class NodeOperations
{
    /// <summary>
    /// Started unless THIS migration (same URI) runs already, or completed and the source still waits in post-migrate:
    /// a retry after a crash. A source resumed after a completed migration still reports it completed (QEMU keeps the
    /// last state), and a port may be handed out again, so neither alone means this migration.
    /// </summary>
    public async Task<StepResult> StartMigration(StartMigration s, CancellationToken ct = default)
    {
        var current = await Hypervisor.QueryMigrationAsync(s.VmId, ct);
        if (current.Uri != s.Spec.Uri || !await StartedOrDone(s.VmId, current.Status, ct))
            await Hypervisor.StartMigrationAsync(s.VmId, s.Spec, ct);
        return Done.Instance;
    }

    private async Task<bool> StartedOrDone(int vmid, MigrationState status, CancellationToken ct) => status switch
    {
        MigrationState.Setup or MigrationState.Active or MigrationState.Device or MigrationState.PreSwitchover
            or MigrationState.PostcopyActive => true,
        MigrationState.Completed => (await Hypervisor.GetAsync(vmid, ct)).State == VmRunState.PostMigrate,
        _ => false
    };

    /// <summary>Answers when the migration ended or after the step's poll delay.</summary>
    public async Task<StepResult> PollMigration(PollMigration s, CancellationToken ct = default) =>
        new MigrationPolled(await Hypervisor.WaitMigrationAsync(s.VmId, s.MaxWait, ct));

    /// <summary>
    /// The incoming VM of the workflow <c>Tag</c> holds the complete state, paused: QEMU leaves "inmigrate" for "paused"
    /// (started with -S) once it has loaded everything. Waits for that at most <c>MaxWait</c>.
    /// </summary>
    public async Task<StepResult> ConfirmIncoming(ConfirmIncoming s, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + s.MaxWait;
        while (true)
        {
            var rt = await Hypervisor.GetAsync(s.VmId, ct);
            if (rt.State == VmRunState.Stopped || rt.Tag != s.Tag)
                throw new InvalidOperationException($"VM {s.VmId} is not this migration's incoming VM (tag {rt.Tag ?? "none"}, {rt.QmpStatus})");
            if (rt.State == VmRunState.Paused || s.Running && rt.State == VmRunState.Running) return Done.Instance;
            if (rt.State != VmRunState.InMigrate || DateTime.UtcNow >= deadline)
                throw new InvalidOperationException($"incoming VM {s.VmId} did not receive the complete state (status: {rt.QmpStatus})");
            await Task.Delay(ConfirmPoll, ct);
        }
    }

    private static readonly TimeSpan ConfirmPoll = TimeSpan.FromMilliseconds(20);

    public async Task<StepResult> CancelMigration(CancelMigration s, CancellationToken ct = default)
    {
        await Hypervisor.CancelMigrationAsync(s.VmId, ct);
        return Done.Instance;
    }

    /// <summary>Setting the same parameters twice is harmless; a migration that already ended has nothing to tune.</summary>
    public async Task<StepResult> TuneMigration(TuneMigration s, CancellationToken ct = default)
    {
        var current = await Hypervisor.QueryMigrationAsync(s.VmId, ct);
        if (!current.IsFinal) await Hypervisor.TuneMigrationAsync(s.VmId, s.Tuning, ct);
        return Done.Instance;
    }

    /// <summary>Switched once: a migration already in post-copy, or ended, is left as it is.</summary>
    public async Task<StepResult> StartPostcopy(StartPostcopy s, CancellationToken ct = default)
    {
        var current = await Hypervisor.QueryMigrationAsync(s.VmId, ct);
        if (current.Status is MigrationState.Active or MigrationState.Setup)
            await Hypervisor.StartPostcopyAsync(s.VmId, ct);
        return Done.Instance;
    }

    /// <summary>Starts the mirrors that do not run yet.</summary>
    public async Task<StepResult> StartMirrors(StartMirrors s, CancellationToken ct = default)
    {
        await StartMissingMirrors(s.VmId, s.Jobs, ct);
        return Done.Instance;
    }

    public async Task<StepResult> PollMirrors(PollMirrors s, CancellationToken ct = default) =>
        new MirrorsPolled(await Hypervisor.QueryBlockJobsAsync(s.VmId, ct));

    /// <summary>
    /// Ends the drives' mirrors that still exist (a retry finds the finished ones gone). A pivot needs a ready job:
    /// one that is not is refused before QEMU is told anything about it.
    /// </summary>
    public async Task<StepResult> FinishMirrors(FinishMirrors s, CancellationToken ct = default)
    {
        if (s.Drives.Count == 0) return Done.Instance;
        var jobs = await Hypervisor.QueryBlockJobsAsync(s.VmId, ct);
        foreach (var drive in s.Drives)
        {
            if (JobOf(jobs, drive) is not { } job) continue;
            if (s.Pivot && !job.Ready)
                throw new InvalidOperationException($"mirror {job.Device} of VM {s.VmId} is not ready ({job.Offset}/{job.Length})");
            await Hypervisor.FinishMirrorAsync(s.VmId, drive, s.Pivot, ct);
        }
        return Done.Instance;
    }

    public async Task<StepResult> StopNbd(StopNbd s, CancellationToken ct = default)
    {
        await Hypervisor.StopNbdServerAsync(s.VmId, ct);
        return Done.Instance;
    }

    /// <summary>drive-mirror into volumes of this node: each target must exist (allocated by an earlier step).</summary>
    public async Task<StepResult> MirrorToVolumes(MirrorToVolumes s, CancellationToken ct = default)
    {
        var jobs = new List<MirrorJob>();
        foreach (var m in s.Mirrors)
        {
            var info = await Storage.InfoAsync(m.DstVolid, ct) ?? throw Missing(m.DstVolid);
            jobs.Add(new MirrorJob(m.Drive, new MirrorTarget(info.Path, m.Format, s.BwLimitKiB * 1024)));
        }
        await StartMissingMirrors(s.VmId, jobs, ct);
        return Done.Instance;
    }

    private async Task StartMissingMirrors(int vmid, IReadOnlyList<MirrorJob> jobs, CancellationToken ct)
    {
        if (jobs.Count == 0) return;
        var running = await Hypervisor.QueryBlockJobsAsync(vmid, ct);
        foreach (var job in jobs.Where(j => JobOf(running, j.Drive) is null))
            await Hypervisor.StartMirrorAsync(vmid, job.Drive, job.Target, ct);
    }

    /// <summary>A drive's job: QEMU names it drive-scsi0, the simulated driver scsi0.</summary>
    private static BlockJobInfo? JobOf(IEnumerable<BlockJobInfo> jobs, string drive) =>
        jobs.FirstOrDefault(j => j.Device == drive || j.Device == $"drive-{drive}");
}

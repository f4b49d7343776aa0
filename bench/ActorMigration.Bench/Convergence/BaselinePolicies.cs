using System.Globalization;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Migration.Convergence;

namespace ActorMigration.Bench.Convergence;

/// <summary>
/// Plain QEMU: auto-converge on with QEMU's defaults (cpu-throttle-initial 20, increment 10, max-cpu-throttle 99) and
/// no manager action; the migration runs until it converges (source: QEMU 7.2 migration/ram.c, migration_trigger_throttle
/// and mig_throttle_guest_down).
/// </summary>
public sealed class PlainQemuPolicy : IConvergencePolicy
{
    public string Name => "plain";

    public ConvergenceState Start(ConvergenceSettings s) => new(new MigrationTuning(s.DowntimeLimitMs, null), AutoConverge: true);

    public ConvergenceDecision Decide(ConvergenceState state, ConvergenceSample sample, ConvergenceSettings s) => new(state);
}

/// <summary>
/// Proxmox VE (qemu-server PVE/QemuMigrate.pm, phase2): auto-converge on (PVE::QemuServer::set_migration_caps), the
/// downtime limit from migrate_downtime; it polls query-migrate every second and counts a poll whose remaining RAM grew
/// since the previous poll (or is 0); when the count exceeds 5 it resets it and doubles the downtime limit, without
/// bound ("auto-increased downtime to continue migration"). It never aborts on its own.
/// State: <see cref="ConvergenceState.Iteration"/> is the counter, <see cref="ConvergenceState.PassBytes"/> the previous
/// poll's remaining, <see cref="ConvergenceState.ProgressAtSec"/> the time of the previous poll.
/// </summary>
public sealed class ProxmoxPolicy : IConvergencePolicy
{
    public const double PollSec = 1.0;

    public string Name => "proxmox";

    public ConvergenceState Start(ConvergenceSettings s) => new(new MigrationTuning(s.DowntimeLimitMs, null), AutoConverge: true);

    public ConvergenceDecision Decide(ConvergenceState st, ConvergenceSample x, ConvergenceSettings s)
    {
        if (x.PostCopyActive || x.ElapsedSec - st.ProgressAtSec < PollSec - 1e-9) return new(st);
        var counter = st.Iteration;
        if ((st.PassBytes > 0 && x.RemainingBytes > st.PassBytes) || x.RemainingBytes == 0) counter++;
        st = st with { PassBytes = x.RemainingBytes, ProgressAtSec = x.ElapsedSec, Iteration = counter };
        if (counter <= 5) return new(st);
        var downtime = st.Tuning.DowntimeLimitMs * 2;
        var tuning = st.Tuning with { DowntimeLimitMs = downtime };
        return new(st with { Iteration = 0, Tuning = tuning, LastActionSec = x.ElapsedSec },
            new TuneAction(tuning, $"auto-increased downtime to continue migration: {downtime} ms"));
    }
}

/// <summary>
/// KubeVirt (pkg/virt-launcher/virtwrap/live-migration-source.go, migrationMonitor; MigrationConfiguration defaults):
/// allowAutoConverge false, allowPostCopy false; the downtime limit is left as set. Every poll: progress when the remaining
/// data is lower than at the previous poll (progressWatermark = remaining). Then, in order: past the acceptable completion
/// time (completionTimeoutPerGiB 150 s × GiB of RAM and local disks) post-copy if allowed; no progress for longer than
/// progressTimeout (150 s): abort; past the completion time without post-copy: abort.
/// State: <see cref="ConvergenceState.PassBytes"/> is the watermark, <see cref="ConvergenceState.ProgressAtSec"/> the last progress.
/// </summary>
public sealed class KubeVirtPolicy : IConvergencePolicy
{
    public string Name => "kubevirt";

    public ConvergenceState Start(ConvergenceSettings s) => new(new MigrationTuning(s.DowntimeLimitMs, null), AutoConverge: false);

    public ConvergenceDecision Decide(ConvergenceState st, ConvergenceSample x, ConvergenceSettings s)
    {
        if (st.PassBytes == 0 || x.RemainingBytes < st.PassBytes) st = st with { ProgressAtSec = x.ElapsedSec };
        st = st with { PassBytes = x.RemainingBytes };
        if (st.PostCopyStarted || x.PostCopyActive) return new(st);
        var completionTimedOut = x.ElapsedSec > s.CompletionTimeoutSec;
        if (completionTimedOut && s.PostCopyAllowed)
            return new(st with { PostCopyStarted = true, LastActionSec = x.ElapsedSec }, new PostcopyAction("Starting post copy mode for migration"));
        var stuck = x.ElapsedSec - st.ProgressAtSec;
        if (stuck > s.ProgressTimeoutSec)
            return new(st, new AbortAction(string.Create(CultureInfo.InvariantCulture, $"Live migration stuck for {stuck:0} sec and has been aborted")));
        if (completionTimedOut)
            return new(st, new AbortAction(string.Create(CultureInfo.InvariantCulture,
                $"Live migration is not completed after {s.CompletionTimeoutSec:0} seconds and has been aborted")));
        return new(st);
    }
}

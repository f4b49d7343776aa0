using ActorMigration.Domain.Workflows.Migration.Convergence;
using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Bench.Convergence;

/// <summary>One matrix cell: RAM, working set, and the guest's dirty rate as a share of the bandwidth.</summary>
public sealed record ConvergenceCase(long RamBytes, long WorkingSetBytes, double Ratio, double BandwidthBytesPerSec)
{
    public double DirtyRateBytesPerSec => Ratio * BandwidthBytesPerSec;
    public string Label => $"{RamBytes >> 30} GiB ws {Math.Round(WorkingSetBytes * 100.0 / RamBytes)}% r {Ratio:0.0#}";
}

/// <summary>What one policy made of one case. <see cref="Outcome"/>: completed, post-copy, aborted or timeout.</summary>
public sealed record ConvergenceRun(
    string Policy,
    ConvergenceCase Case,
    bool Converged,
    string Outcome,
    double DowntimeMs,
    double TotalSec,
    double BytesSent,
    int Actions,
    long MaxDowntimeLimitMs,
    string? LastReason);

/// <summary>
/// Runs a policy against the simulator's migration model as the workflow does: a query-migrate every 0.5 s simulated,
/// turned into a <see cref="ConvergenceSample"/> (MigrationProgress → ConvergenceSample.Of), the decision's action
/// applied to the model as a timed change, until completion, an abort, or the horizon (the completion timeout).
/// </summary>
public static class ConvergenceHarness
{
    public const double PollSec = 0.5;
    public const double SwitchoverOverheadMs = 5;

    public static ConvergenceRun Run(IConvergencePolicy policy, ConvergenceCase c, ConvergenceSettings s, string? name = null,
        Action<double, ConvergenceAction>? log = null)
    {
        var state = policy.Start(s);
        var p = new MigrationParams(c.RamBytes, c.BandwidthBytesPerSec, state.Tuning.DowntimeLimitMs, state.AutoConverge,
            c.DirtyRateBytesPerSec, c.WorkingSetBytes, SwitchoverOverheadMs, ThrottleCeilingPct: state.Tuning.ThrottleCeilingPct,
            PostCopy: s.PostCopyAllowed);
        var changes = new List<MigrationChange>();
        var plan = MigrationPlan.Compute(p);
        var horizon = s.CompletionTimeoutSec + PollSec;
        var maxLimit = state.Tuning.DowntimeLimitMs;
        string? reason = null;
        name ??= policy.Name;
        for (var t = PollSec; ; t += PollSec)
        {
            if (plan.CompletedAtSec <= Math.Min(t, horizon))
                return new(name, c, true, plan.Postcopy ? "post-copy" : "completed", plan.DowntimeMs, plan.CompletedAtSec,
                    plan.TotalTransferredBytes, changes.Count, maxLimit, reason);
            var snap = plan.At(t);
            if (t > horizon)
                return new(name, c, false, "timeout", 0, t, snap.TransferredBytes, changes.Count, maxLimit, reason);
            var sample = ConvergenceSample.Of(snap.ToProgress(p), t);
            var d = policy.Decide(state, sample, s);
            state = d.State;
            switch (d.Action)
            {
                case AbortAction a:
                    return new(name, c, false, "aborted", 0, t, snap.TransferredBytes, changes.Count, maxLimit, a.Reason);
                case TuneAction tune:
                    changes.Add(new MigrationChange(t, tune.Tuning.DowntimeLimitMs, tune.Tuning.ThrottleCeilingPct));
                    maxLimit = Math.Max(maxLimit, tune.Tuning.DowntimeLimitMs);
                    break;
                case PostcopyAction:
                    changes.Add(new MigrationChange(t, Postcopy: true));
                    break;
            }
            if (d.Action is not null)
            {
                log?.Invoke(t, d.Action);
                reason = d.Action.Reason;
                plan = MigrationPlan.Compute(p, changes);
            }
        }
    }
}

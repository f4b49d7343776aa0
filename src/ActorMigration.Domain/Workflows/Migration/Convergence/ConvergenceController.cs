using System.Globalization;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Domain.Workflows.Migration.Convergence;

/// <summary>
/// The engine's convergence policy: it decides from each iteration's measured dirty rate, bandwidth and pass size
/// (<see cref="ConvergenceForecast"/>) instead of fixed counters. It starts QEMU at the VM's migrate_downtime, and when
/// the forecast says the passes stop shrinking or will not converge in time it acts, cheapest first:
/// <list type="number">
/// <item>the downtime limit back up to migrate_downtime, if it was lowered;</item>
/// <item>the auto-converge throttle ceiling up to what brings the dirty rate to half the bandwidth;</item>
/// <item>the downtime limit up in steps to max-downtime;</item>
/// <item>post-copy, where allowed.</item>
/// </list>
/// While the passes shrink fast (ratio at most <see cref="TightenRatio"/>) it lowers the downtime limit once, to a quarter
/// of migrate_downtime: each pass then costs at most the limit's time and cuts the stop-and-copy by the ratio, so the
/// few extra passes take well under a second and the switchover is shorter (<see cref="Tighten"/>).
/// At the completion timeout it switches to post-copy where allowed, else aborts; at the progress timeout it aborts.
/// Every action carries its numbers for the task log.
/// </summary>
public sealed class ConvergenceController : IConvergencePolicy
{
    public const int InitialThrottlePct = 20;
    public const int MaxThrottlePct = 99;
    public const int ThrottleStepPct = 10;

    /// <summary>The dirty rate a throttle aims at, as a share of the bandwidth.</summary>
    public const double TargetRatio = 0.5;

    /// <summary>Each raise above migrate_downtime is at least this factor.</summary>
    public const double DowntimeStepFactor = 1.5;

    /// <summary>After an action, QEMU gets this long (and a new iteration) to show its effect before the next.</summary>
    public const double SettleSec = 2.0;

    /// <summary>Passes shrinking at least this fast (dirty rate / bandwidth) make a lower downtime limit cheap.</summary>
    public const double TightenRatio = 0.75;

    /// <summary>The lowered limit: this share of migrate_downtime, not below <see cref="MinDowntimeLimitMs"/>.</summary>
    public const double TightenFactor = 0.25;

    public const long MinDowntimeLimitMs = 10;

    /// <summary>
    /// Lowering waits for this iteration: the rate read after pass 1 counts a working set once over the whole first pass,
    /// so a guest that rewrites a small working set fast reads as slow there.
    /// </summary>
    public const long TightenFromIteration = 3;

    public static readonly ConvergenceController Instance = new();

    public string Name => "controller";

    public ConvergenceState Start(ConvergenceSettings s) =>
        new(new MigrationTuning(s.DowntimeLimitMs, InitialThrottlePct), AutoConverge: true);

    public ConvergenceDecision Decide(ConvergenceState state, ConvergenceSample x, ConvergenceSettings s)
    {
        var st = Watermark(state, x);
        if (st.PostCopyStarted || x.PostCopyActive) return new(st with { PostCopyStarted = true });
        if (x.ElapsedSec - st.ProgressAtSec > s.ProgressTimeoutSec)
            return new(st, new AbortAction(
                $"migration made no progress for {Sec(x.ElapsedSec - st.ProgressAtSec)} (progress timeout {Sec(s.ProgressTimeoutSec)}): " +
                $"remaining {SizeFormat.Human(x.RemainingBytes)}, lowest {SizeFormat.Human(st.LowestRemainingBytes)} at {Sec(st.ProgressAtSec)}, " +
                $"{Rates(x)}"));
        if (x.ElapsedSec > s.CompletionTimeoutSec)
            return s.PostCopyAllowed
                ? new(st with { PostCopyStarted = true, LastActionSec = x.ElapsedSec }, new PostcopyAction(
                    $"switching to post-copy: not converged within the completion timeout {Sec(s.CompletionTimeoutSec)} " +
                    $"({s.CompletionTimeoutPerGiBSec:0.#} s/GiB); {Rates(x)}"))
                : new(st, new AbortAction(
                    $"migration did not converge within the completion timeout {Sec(s.CompletionTimeoutSec)} " +
                    $"({s.CompletionTimeoutPerGiBSec:0.#} s/GiB): remaining {SizeFormat.Human(x.RemainingBytes)}, {Rates(x)}, " +
                    $"downtime limit {st.Tuning.DowntimeLimitMs} ms, throttle {x.ThrottlePct}%"));

        // Decide once per iteration, from the second on (the first has no dirty rate yet).
        if (x.Iteration < 2 || x.Iteration <= st.Iteration) return new(st);
        st = st with { Iteration = x.Iteration, PassBytes = x.RemainingBytes };
        if (x.ElapsedSec - st.LastActionSec < SettleSec && st.LastActionSec > 0) return new(st);

        var f = ConvergenceForecast.Of(x.BandwidthBytesPerSec, x.DirtyBytesPerSec, st.PassBytes, st.Tuning.DowntimeLimitMs);
        var budget = (s.CompletionTimeoutSec - x.ElapsedSec) / 2;
        var action = f.Converges && f.SecondsToConverge <= budget ? Tighten(st, x, s, f, budget) : Escalate(st, x, s, f);
        return action is null ? new(st) : new(Applied(st, action, x.ElapsedSec), action);
    }

    /// <summary>force-complete: post-copy where allowed, else the downtime limit at max-downtime.</summary>
    public static ConvergenceDecision ForceComplete(ConvergenceState st, ConvergenceSettings s, double elapsedSec)
    {
        if (st.PostCopyStarted) return new(st);
        ConvergenceAction action = s.PostCopyAllowed
            ? new PostcopyAction("force-complete: switching to post-copy")
            : new TuneAction(st.Tuning with { DowntimeLimitMs = s.MaxDowntimeMs },
                $"force-complete: downtime limit raised to max-downtime {s.MaxDowntimeMs} ms");
        return new(Applied(st, action, elapsedSec), action);
    }

    /// <summary>
    /// Converging fast: the downtime limit down to <see cref="TightenFactor"/> × migrate_downtime, once (not after an
    /// escalation, nor below what it is), when the forecast at the lower limit still converges within the budget.
    /// Going from threshold T to T/4 at ratio r sends at most T / (1 − r) more: 0.4 s per 100 ms of limit at r = 0.75.
    /// </summary>
    private static TuneAction? Tighten(ConvergenceState st, ConvergenceSample x, ConvergenceSettings s, ConvergenceForecast f, double budget)
    {
        var target = Math.Max(MinDowntimeLimitMs, (long)(s.DowntimeLimitMs * TightenFactor));
        if (x.Iteration < TightenFromIteration || st.Tuning.DowntimeLimitMs != s.DowntimeLimitMs || target >= s.DowntimeLimitMs
            || !(f.Ratio <= TightenRatio)) return null;
        var lower = ConvergenceForecast.Of(x.BandwidthBytesPerSec, x.DirtyBytesPerSec, f.PassBytes, target);
        if (!lower.Converges || lower.SecondsToConverge > budget) return null;
        return new TuneAction(st.Tuning with { DowntimeLimitMs = target }, string.Create(CultureInfo.InvariantCulture,
            $"{Rates(x)} (ratio {f.Ratio:0.00}), pass {SizeFormat.Human(f.PassBytes)}: converging in {lower.SecondsToConverge:0.#} s " +
            $"at {target} ms ({f.SecondsToConverge:0.#} s at {s.DowntimeLimitMs} ms): downtime limit lowered to {target} ms " +
            $"(a quarter of migrate_downtime {s.DowntimeLimitMs} ms) for a shorter switchover"));
    }

    private static ConvergenceAction? Escalate(ConvergenceState st, ConvergenceSample x, ConvergenceSettings s, ConvergenceForecast f)
    {
        var limit = st.Tuning.DowntimeLimitMs;
        var b = x.BandwidthBytesPerSec;
        var why = $"{Rates(x)} (ratio {f.Ratio:0.00}), pass {SizeFormat.Human(f.PassBytes)}, " +
                  $"does not converge at downtime limit {limit} ms";
        if (limit < s.DowntimeLimitMs)
            return new TuneAction(st.Tuning with { DowntimeLimitMs = s.DowntimeLimitMs },
                $"{why}: downtime limit back to migrate_downtime {s.DowntimeLimitMs} ms");

        var ceiling = st.Tuning.ThrottleCeilingPct ?? 0;
        if (ceiling < MaxThrottlePct && b > 0 && x.DirtyBytesPerSec > 0)
        {
            var raw = x.DirtyBytesPerSec / Math.Max(0.01, 1 - x.ThrottlePct / 100.0);
            var needed = (int)Math.Ceiling((1 - TargetRatio * b / raw) * 100 / ThrottleStepPct) * ThrottleStepPct;
            var pct = Math.Clamp(Math.Max(ceiling + ThrottleStepPct, needed), 1, MaxThrottlePct);
            return new TuneAction(st.Tuning with { ThrottleCeilingPct = pct },
                $"{why}: auto-converge throttle up to {pct}% (guest dirties {SizeFormat.Human(raw)}/s unthrottled)");
        }

        if (limit < s.MaxDowntimeMs)
        {
            var wanted = b > 0 ? f.NextPassDowntimeMs(b) * 1.25 : 0;
            var next = Math.Min(s.MaxDowntimeMs, (long)Math.Ceiling(Math.Max(limit * DowntimeStepFactor, wanted)));
            return new TuneAction(st.Tuning with { DowntimeLimitMs = next },
                $"{why} at throttle {x.ThrottlePct}%: downtime limit up to {next} ms (max-downtime {s.MaxDowntimeMs} ms)");
        }

        if (s.PostCopyAllowed)
            return new PostcopyAction($"{why} at throttle {x.ThrottlePct}% and max-downtime: switching to post-copy");
        return null;
    }

    private static ConvergenceState Applied(ConvergenceState st, ConvergenceAction a, double at) => a switch
    {
        TuneAction t => st with { Tuning = t.Tuning, LastActionSec = at },
        PostcopyAction => st with { PostCopyStarted = true, LastActionSec = at },
        _ => st
    };

    /// <summary>Progress: the remaining data reached a new low.</summary>
    private static ConvergenceState Watermark(ConvergenceState st, ConvergenceSample x) =>
        x.RemainingBytes < st.LowestRemainingBytes ? st with { LowestRemainingBytes = x.RemainingBytes, ProgressAtSec = x.ElapsedSec } : st;

    private static string Rates(ConvergenceSample x) =>
        $"dirty rate {SizeFormat.Human(x.DirtyBytesPerSec)}/s, bandwidth {SizeFormat.Human(x.BandwidthBytesPerSec)}/s";

    private static string Sec(double s) => s.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}

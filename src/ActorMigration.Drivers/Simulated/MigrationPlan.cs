namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// The whole course of a pre-copy migration, computed up front from its <see cref="MigrationParams"/>, so the
/// state at any instant is a pure function of the elapsed simulated time (<see cref="At"/>).
/// Model (after QEMU's RAM migration):
/// <list type="bullet">
/// <item>pass 1 sends all RAM at the bandwidth; each later pass sends what the guest dirtied during the previous one,
/// dirtied = min(working set, dirty rate × (1 − throttle) × pass duration);</item>
/// <item>a dirty-bitmap sync ends every pass (sync 1 happens at setup); if the dirty bytes are ≤ bandwidth × downtime
/// limit (or less than a page) the source stops and sends them: downtime = bytes / bandwidth + overhead;</item>
/// <item>auto-converge: a sync more than 1 s after the previous period's start closes a period; when the period dirtied
/// more than 50% of what it transferred for the second time, the CPU throttle starts at 20% and then rises by 10% up
/// to 99% (QEMU's migration_trigger_throttle / mig_throttle_guest_down);</item>
/// <item>without convergence the passes reach a steady state that repeats forever.</item>
/// </list>
/// </summary>
public sealed class MigrationPlan
{
    private readonly List<MigrationPass> _passes;
    private readonly long _steadyDirtyPagesRate;

    public MigrationParams Params { get; }
    public IReadOnlyList<MigrationPass> Passes => _passes;

    /// <summary>False: the last pass of <see cref="Passes"/> repeats forever.</summary>
    public bool Converges { get; }

    public double SwitchoverStartSec { get; }
    public double SwitchoverBytes { get; }
    public double DowntimeMs { get; }
    public double CompletedAtSec { get; }
    public double TotalTransferredBytes { get; }
    public int FinalThrottlePct { get; }

    /// <summary>Dirty bitmap syncs at completion: one at setup plus one per pass.</summary>
    public long FinalDirtySyncCount => _passes.Count + 1;

    private MigrationPlan(MigrationParams p, List<MigrationPass> passes, bool converges, double switchStart,
        double switchBytes, double downtimeMs, long steadyRate, int finalThrottle)
    {
        Params = p;
        _passes = passes;
        Converges = converges;
        SwitchoverStartSec = converges ? switchStart : double.PositiveInfinity;
        SwitchoverBytes = switchBytes;
        DowntimeMs = downtimeMs;
        CompletedAtSec = converges ? switchStart + downtimeMs / 1000.0 : double.PositiveInfinity;
        TotalTransferredBytes = converges ? passes.Sum(x => x.Bytes) + switchBytes : double.PositiveInfinity;
        _steadyDirtyPagesRate = steadyRate;
        FinalThrottlePct = finalThrottle;
    }

    public static MigrationPlan Compute(MigrationParams p, int maxPasses = 100_000)
    {
        if (p.Instant)
            return new MigrationPlan(p, [], true, 0, 0, 0, 0, 0);
        if (!(p.BandwidthBytesPerSec > 0)) throw new ArgumentException("bandwidth must be > 0");

        var b = p.BandwidthBytesPerSec;
        var ws = Math.Min(p.WorkingSetBytes, p.RamBytes);
        var threshold = p.ThresholdBytes;
        var passes = new List<MigrationPass>();
        double size = p.RamBytes, t = 0, before = 0;
        double periodStart = 0, periodDirty = 0, periodXfer = 0;
        int throttle = 0, high = 0;
        long rate = 0;

        for (var n = 1; ; n++)
        {
            var passThrottle = throttle;
            var dur = size / b;
            var dirtied = Math.Min(ws, p.DirtyRateBytesPerSec * (1 - passThrottle / 100.0) * dur);
            passes.Add(new MigrationPass(n, t, dur, size, before, passThrottle, dirtied, rate));
            t += dur;
            before += size;

            // bitmap sync n+1
            periodDirty += dirtied;
            periodXfer += size;
            if (t - periodStart > 1.0)
            {
                rate = (long)(periodDirty / MigrationParams.PageSize / (t - periodStart));
                if (p.AutoConverge && periodDirty > periodXfer * MigrationParams.ThrottleTriggerPct / 100.0 && ++high >= 2)
                {
                    high = 0;
                    throttle = throttle == 0
                        ? MigrationParams.ThrottleInitialPct
                        : Math.Min(MigrationParams.ThrottleMaxPct, throttle + MigrationParams.ThrottleIncrementPct);
                }
                periodStart = t;
                periodDirty = 0;
                periodXfer = 0;
            }

            if (dirtied <= threshold || dirtied < MigrationParams.PageSize)
                return new MigrationPlan(p, passes, true, t, dirtied, dirtied / b * 1000.0 + p.SwitchoverOverheadMs,
                    rate, throttle);

            var throttleFinal = !p.AutoConverge || throttle >= MigrationParams.ThrottleMaxPct;
            var same = Math.Abs(dirtied - size) <= 1e-9 * size && throttle == passThrottle;
            if ((throttleFinal && same) || n >= maxPasses)
                return new MigrationPlan(p, passes, false, 0, 0, 0, rate, throttle);
            size = dirtied;
        }
    }

    /// <summary>Pass <paramref name="n"/> (1-based), extrapolating the steady state of a non-converging plan.</summary>
    public MigrationPass Pass(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n));
        if (n <= _passes.Count) return _passes[n - 1];
        if (Converges) throw new ArgumentOutOfRangeException(nameof(n), $"plan has {_passes.Count} passes");
        var last = _passes[^1];
        var k = n - last.Number;
        return last with
        {
            Number = n,
            StartSec = last.StartSec + k * last.DurationSec,
            BytesBefore = last.BytesBefore + k * last.Bytes,
            DirtyPagesRate = _steadyDirtyPagesRate
        };
    }

    /// <summary>When the <c>precopy-iterations</c> fault strikes: in the middle of pass <paramref name="iteration"/> (or the last pass).</summary>
    public double PrecopyFailureSec(int iteration)
    {
        if (Params.Instant) return 0;
        var n = Math.Max(1, Converges ? Math.Min(iteration, _passes.Count) : iteration);
        var pass = Pass(n);
        return pass.StartSec + pass.DurationSec / 2;
    }

    /// <summary>
    /// The migration at simulated second <paramref name="t"/> after its start. A failure at <paramref name="failAtSec"/>
    /// wins over completion at the same instant; a cancel only if strictly earlier than completion.
    /// </summary>
    public MigrationSnapshot At(double t, double? failAtSec = null, string? error = null, double? cancelAtSec = null)
    {
        t = Math.Max(0, t);
        var end = CompletedAtSec;
        var fail = failAtSec is { } f && f <= end ? f : double.PositiveInfinity;
        var cancel = cancelAtSec is { } c && c < end ? c : double.PositiveInfinity;
        if (fail <= t && fail <= cancel)
            return Running(fail) with { Phase = MigrationPhase.Failed, Error = error ?? "migration failed" };
        if (cancel <= t)
            return Running(cancel) with { Phase = MigrationPhase.Cancelled, ExpectedDowntimeMs = null };
        if (t >= end) return Completed();
        return Running(t);
    }

    private MigrationSnapshot Completed() => new(
        MigrationPhase.Completed,
        CompletedAtSec,
        _passes.Count,
        Params.Instant ? Params.RamBytes : TotalTransferredBytes,
        0,
        _steadyDirtyPagesRate,
        FinalDirtySyncCount,
        FinalThrottlePct,
        null,
        DowntimeMs);

    /// <summary>Progress while pre-copy or stop-and-copy runs.</summary>
    private MigrationSnapshot Running(double t)
    {
        var b = Params.BandwidthBytesPerSec;
        if (Params.Instant) return Completed();
        if (t >= SwitchoverStartSec)
        {
            var sent = Math.Min(SwitchoverBytes, b * (t - SwitchoverStartSec));
            var total = _passes.Sum(x => x.Bytes);
            return new MigrationSnapshot(MigrationPhase.Switchover, t, _passes.Count, total + sent, SwitchoverBytes - sent,
                _steadyDirtyPagesRate, FinalDirtySyncCount, FinalThrottlePct, DowntimeMs, null);
        }
        var pass = FindPass(t);
        var inPass = Math.Min(pass.Bytes, b * (t - pass.StartSec));
        // QEMU: expected downtime is the downtime limit until a dirty rate is known, then dirty bytes at last sync / bandwidth
        var expected = pass.Number == 1 ? Params.DowntimeLimitMs : pass.Bytes / b * 1000.0;
        return new MigrationSnapshot(MigrationPhase.Precopy, t, pass.Number, pass.BytesBefore + inPass, pass.Bytes - inPass,
            pass.DirtyPagesRate, pass.Number, pass.ThrottlePct, expected, null);
    }

    private MigrationPass FindPass(double t)
    {
        var last = _passes[^1];
        if (t >= last.StartSec)
            return Converges || last.DurationSec <= 0 ? last
                : Pass(last.Number + (int)Math.Min(int.MaxValue - last.Number - 1, Math.Floor((t - last.StartSec) / last.DurationSec)));
        int lo = 0, hi = _passes.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (_passes[mid].StartSec <= t) lo = mid;
            else hi = mid - 1;
        }
        return _passes[lo];
    }
}

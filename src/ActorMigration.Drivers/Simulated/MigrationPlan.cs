namespace ActorMigration.Drivers.Simulated;

/// <summary>
/// The whole course of a pre-copy migration, computed up front from its <see cref="MigrationParams"/> and the changes
/// made to it so far, so the state at any instant is a pure function of the elapsed simulated time (<see cref="At"/>).
/// Model (after QEMU's RAM migration):
/// <list type="bullet">
/// <item>pass 1 sends all RAM at the bandwidth; each later pass sends what the guest dirtied during the previous one,
/// dirtied = min(working set, dirty rate × (1 − throttle) × pass duration);</item>
/// <item>a dirty-bitmap sync ends every pass (sync 1 happens at setup); the changes made up to it apply there; if the
/// dirty bytes are ≤ bandwidth × downtime limit (or less than a page) the source stops and sends them:
/// downtime = bytes / bandwidth + overhead;</item>
/// <item>auto-converge: a sync more than 1 s after the previous period's start closes a period; when the period dirtied
/// more than 50% of what it transferred for the second time, the CPU throttle steps (QEMU's migration_trigger_throttle
/// / mig_throttle_guest_down, <see cref="MigrationParams.NextThrottle"/>);</item>
/// <item>post-copy (when started with it) switches at once: the source stops, downtime = the overhead, and the target
/// pulls the rest (what the pass had left plus what the guest dirtied in it) at the bandwidth;</item>
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

    /// <summary>It completes by post-copy: <see cref="SwitchoverStartSec"/> is the switch, <see cref="SwitchoverBytes"/> what is pulled.</summary>
    public bool Postcopy { get; }

    public double SwitchoverStartSec { get; }
    public double SwitchoverBytes { get; }
    public double DowntimeMs { get; }
    public double CompletedAtSec { get; }
    public double TotalTransferredBytes { get; }
    public int FinalThrottlePct { get; }

    /// <summary>Dirty bitmap syncs at completion: one at setup plus one per pass.</summary>
    public long FinalDirtySyncCount => _passes.Count + 1;

    private MigrationPlan(MigrationParams p, List<MigrationPass> passes, bool converges, double switchStart,
        double switchBytes, double downtimeMs, long steadyRate, int finalThrottle, bool postcopy = false)
    {
        Params = p;
        _passes = passes;
        Converges = converges;
        Postcopy = postcopy;
        SwitchoverStartSec = converges ? switchStart : double.PositiveInfinity;
        SwitchoverBytes = switchBytes;
        DowntimeMs = downtimeMs;
        CompletedAtSec = !converges ? double.PositiveInfinity
            : postcopy ? switchStart + (p.SwitchoverOverheadMs / 1000.0) + (switchBytes / p.BandwidthBytesPerSec)
            : switchStart + (downtimeMs / 1000.0);
        TotalTransferredBytes = converges ? passes.Sum(x => x.Bytes) + switchBytes : double.PositiveInfinity;
        _steadyDirtyPagesRate = steadyRate;
        FinalThrottlePct = finalThrottle;
    }

    public static MigrationPlan Compute(MigrationParams p, IReadOnlyList<MigrationChange>? changes = null, int maxPasses = 100_000)
    {
        if (p.Instant)
            return new MigrationPlan(p, [], true, 0, 0, 0, 0, 0);
        if (!(p.BandwidthBytesPerSec > 0)) throw new ArgumentException("bandwidth must be > 0");

        var b = p.BandwidthBytesPerSec;
        var ws = Math.Min(p.WorkingSetBytes, p.RamBytes);
        var tunes = (changes ?? []).Where(c => !c.Postcopy).OrderBy(c => c.AtSec).ToList();
        var postcopyAt = p.PostCopy ? (changes ?? []).Where(c => c.Postcopy).Select(c => c.AtSec).DefaultIfEmpty(double.PositiveInfinity).Min()
            : double.PositiveInfinity;
        var lastChange = Math.Max(tunes.Count > 0 ? tunes[^1].AtSec : 0, double.IsPositiveInfinity(postcopyAt) ? 0 : postcopyAt);
        var downtimeMs = p.DowntimeLimitMs;
        var steps = MigrationParams.ThrottleSteps(p.ThrottleCeilingPct);
        var applied = 0;
        var passes = new List<MigrationPass>();
        double size = p.RamBytes, t = 0, before = 0;
        double periodStart = 0, periodDirty = 0, periodXfer = 0;
        int throttle = 0, high = 0;
        long rate = 0;

        for (var n = 1; ; n++)
        {
            var passThrottle = throttle;
            var dur = size / b;
            if (postcopyAt < t + dur)
            {
                var part = Math.Max(0, postcopyAt - t);
                var partDirtied = Math.Min(ws, p.DirtyRateBytesPerSec * (1 - (passThrottle / 100.0)) * part);
                passes.Add(new MigrationPass(n, t, part, b * part, before, passThrottle, partDirtied, rate));
                var pulled = Math.Min(p.RamBytes, size - (b * part) + partDirtied);
                return new MigrationPlan(p, passes, true, t + part, pulled, p.SwitchoverOverheadMs, rate, throttle, postcopy: true);
            }
            var dirtied = Math.Min(ws, p.DirtyRateBytesPerSec * (1 - (passThrottle / 100.0)) * dur);
            passes.Add(new MigrationPass(n, t, dur, size, before, passThrottle, dirtied, rate));
            t += dur;
            before += size;

            // bitmap sync n+1: QEMU reads the parameters set so far
            for (; applied < tunes.Count && tunes[applied].AtSec <= t; applied++)
            {
                downtimeMs = tunes[applied].DowntimeLimitMs ?? downtimeMs;
                if (tunes[applied].ThrottleCeilingPct is { } c) steps = MigrationParams.ThrottleSteps(c);
            }
            periodDirty += dirtied;
            periodXfer += size;
            if (t - periodStart > 1.0)
            {
                rate = (long)(periodDirty / MigrationParams.PageSize / (t - periodStart));
                if (p.AutoConverge && periodDirty > periodXfer * MigrationParams.ThrottleTriggerPct / 100.0 && ++high >= 2)
                {
                    high = 0;
                    throttle = MigrationParams.NextThrottle(throttle, steps.Initial, steps.Increment, steps.Max);
                }
                periodStart = t;
                periodDirty = 0;
                periodXfer = 0;
            }

            if (dirtied <= b * downtimeMs / 1000.0 || dirtied < MigrationParams.PageSize)
                return new MigrationPlan(p, passes, true, t, dirtied, (dirtied / b * 1000.0) + p.SwitchoverOverheadMs,
                    rate, throttle);

            var throttleFinal = !p.AutoConverge || MigrationParams.NextThrottle(throttle, steps.Initial, steps.Increment, steps.Max) == throttle;
            var same = Math.Abs(dirtied - size) <= 1e-9 * size && throttle == passThrottle;
            if ((throttleFinal && same && t > lastChange) || n >= maxPasses)
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
        if (t >= SwitchoverStartSec && Postcopy)
        {
            var pulled = Math.Min(SwitchoverBytes, b * Math.Max(0, t - SwitchoverStartSec - (Params.SwitchoverOverheadMs / 1000.0)));
            return new MigrationSnapshot(MigrationPhase.Postcopy, t, _passes.Count, _passes.Sum(x => x.Bytes) + pulled,
                SwitchoverBytes - pulled, _steadyDirtyPagesRate, FinalDirtySyncCount, FinalThrottlePct, null, null);
        }
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

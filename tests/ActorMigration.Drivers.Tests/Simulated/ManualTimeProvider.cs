namespace ActorMigration.Drivers.Tests.Simulated;

/// <summary>
/// A clock the test moves. With <see cref="AutoAdvance"/> every timer that is created jumps the clock to its due
/// time and fires, so code that waits on simulated time runs through without real waiting.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<Timer> _timers = new();
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset? start = null) =>
        _now = start ?? new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public bool AutoAdvance { get; set; }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var t = new Timer(this, callback, state);
        t.Change(dueTime, period);
        return t;
    }

    public void Advance(TimeSpan by) => AdvanceTo(GetUtcNow() + by);

    public void AdvanceSeconds(double seconds) => Advance(TimeSpan.FromSeconds(seconds));

    public void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            Timer? next;
            lock (_lock)
            {
                next = _timers.Where(t => t.Due <= target).MinBy(t => t.Due);
                if (next is null)
                {
                    if (target > _now) _now = target;
                    return;
                }
                if (next.Due > _now) _now = next.Due;
                if (next.Period > TimeSpan.Zero) next.Due += next.Period;
                else _timers.Remove(next);
            }
            next.Fire();
        }
    }

    private sealed class Timer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset Due;
        public TimeSpan Period;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                Due = owner._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                owner._timers.Add(this);
            }
            if (owner.AutoAdvance)
            {
                var due = Due;
                ThreadPool.QueueUserWorkItem(_ => owner.AdvanceTo(due));
            }
            return true;
        }

        public void Dispose()
        {
            lock (owner._lock) owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

namespace ActorMigration.Domain.Ha;

/// <summary>
/// The watchdog's state on the host's monotonic clock (shared by the member and the watchdog process): disarmed until
/// the first pet (and after a disarm); a pet carries an absolute deadline, which the member took before renewing the
/// lease that goes with it, so a pet delayed after its renewal (a freeze in between) can never outlive the lease. Past
/// the deadline the watchdog fires (kills the node's VM processes) and stays disarmed until a pet with a deadline still
/// ahead.
/// </summary>
public sealed record WatchdogClock(bool Armed, TimeSpan Deadline, int Fired)
{
    public static readonly WatchdogClock Disarmed = new(false, TimeSpan.Zero, 0);

    /// <summary>Arms until <paramref name="deadline"/>; a deadline already past is ignored (the tick fires an armed one).</summary>
    public WatchdogClock Pet(TimeSpan now, TimeSpan deadline) => deadline > now ? this with { Armed = true, Deadline = deadline } : this;

    /// <summary>True when the watchdog must fire now.</summary>
    public bool Due(TimeSpan now) => Armed && now >= Deadline;

    /// <summary>Disarmed by the member (its node no longer carries HA VMs and its lease is released): nothing fires.</summary>
    public WatchdogClock Disarm() => this with { Armed = false };

    public WatchdogClock AfterFiring() => this with { Armed = false, Fired = Fired + 1 };

    /// <summary>Time left before firing; null when disarmed.</summary>
    public TimeSpan? Left(TimeSpan now) => Armed ? (Deadline - now > TimeSpan.Zero ? Deadline - now : TimeSpan.Zero) : null;
}

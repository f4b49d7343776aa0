namespace ActorMigration.Domain.Ha;

/// <summary>
/// The watchdog's state on its own monotonic clock: disarmed until the first pet; a pet arms it until now + the pet's
/// timeout; once that passes it fires (kills the node's VM processes) and stays disarmed until the next pet.
/// </summary>
public sealed record WatchdogClock(bool Armed, TimeSpan Deadline, int Fired)
{
    public static readonly WatchdogClock Disarmed = new(false, TimeSpan.Zero, 0);

    public WatchdogClock Pet(TimeSpan now, TimeSpan timeout) => this with { Armed = true, Deadline = now + timeout };

    /// <summary>True when the watchdog must fire now.</summary>
    public bool Due(TimeSpan now) => Armed && now >= Deadline;

    public WatchdogClock AfterFiring() => this with { Armed = false, Fired = Fired + 1 };

    /// <summary>Time left before firing; null when disarmed.</summary>
    public TimeSpan? Left(TimeSpan now) => Armed ? (Deadline - now > TimeSpan.Zero ? Deadline - now : TimeSpan.Zero) : null;
}

namespace ActorMigration.Actors.Tests.Support;

/// <summary>A clock that answers the given times in turn, then keeps the last; for checks made at known moments.</summary>
public sealed class StepClock(params DateTimeOffset[] times) : TimeProvider
{
    private readonly Queue<DateTimeOffset> _times = new(times);
    private DateTimeOffset _last = times[^1];

    public override DateTimeOffset GetUtcNow()
    {
        lock (_times)
            return _times.TryDequeue(out var t) ? _last = t : _last;
    }
}

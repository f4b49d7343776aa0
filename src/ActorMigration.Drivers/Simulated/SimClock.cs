namespace ActorMigration.Drivers.Simulated;

/// <summary>Maps wall-clock time (from a <see cref="TimeProvider"/>) to simulated time.</summary>
public sealed class SimClock(TimeProvider time, double speedFactor)
{
    public TimeProvider Time { get; } = time;
    public double SpeedFactor { get; } = speedFactor;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Simulated seconds since <paramref name="start"/> at <paramref name="factor"/> (stored with the operation).</summary>
    public double SimSecondsSince(DateTimeOffset start, double factor) =>
        Math.Max(0, (Now - start).TotalSeconds) * factor;

    public double SimSecondsSince(DateTimeOffset start) => SimSecondsSince(start, SpeedFactor);

    /// <summary>Waits <paramref name="simSeconds"/> of simulated time.</summary>
    public Task DelaySim(double simSeconds, CancellationToken ct)
    {
        if (simSeconds <= 0) return Task.CompletedTask;
        // at least 1 ms, so a loop waiting on a manual clock always moves it
        var real = TimeSpan.FromSeconds(Math.Max(simSeconds / SpeedFactor, 0.001));
        return Task.Delay(real, Time, ct);
    }
}

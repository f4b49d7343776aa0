namespace ActorMigration.Domain.Ha;

/// <summary>
/// The one set of fencing timings. Every <see cref="PetInterval"/> a member takes the host's monotonic time t0, renews
/// each hosted node's lease in the journal database for the pet's timeout plus <see cref="FenceMargin"/>
/// (<see cref="LeaseFor"/>), and only then pets the node's watchdog with the deadline t0 + the timeout
/// (<see cref="FenceTimeout"/>; <see cref="RestartGrace"/> for the last pet of a clean stop). A failed renewal means no
/// pet. So every deadline ends at least the margin before the lease that covers it: whenever a lease has expired by the
/// database's clock, the watchdog has fired since its last renewal (the margin covers the watchdog's tick and the kill).
/// </summary>
public sealed record FenceTimings(TimeSpan PetInterval, TimeSpan FenceTimeout, TimeSpan FenceMargin, TimeSpan RestartGrace)
{
    /// <summary>Pet every 1 s, fence after 8 s without one, lease 10 s, a cleanly stopped member has 60 s to come back.</summary>
    public static readonly FenceTimings Standard = new(
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));

    /// <summary>How often the watchdog looks at its deadline; part of the margin.</summary>
    public static readonly TimeSpan WatchdogTick = TimeSpan.FromMilliseconds(100);

    /// <summary>The lease of a node whose watchdog was just petted with the normal timeout.</summary>
    public TimeSpan LeaseTtl => LeaseFor(FenceTimeout);

    /// <summary>The lease that goes with a pet of <paramref name="petTimeout"/>: the timeout plus the margin.</summary>
    public TimeSpan LeaseFor(TimeSpan petTimeout) => petTimeout + FenceMargin;

    /// <summary>Throws when the timings cannot keep the invariant or would fence a healthy member.</summary>
    public FenceTimings Validate()
    {
        if (PetInterval <= TimeSpan.Zero) throw new ArgumentException("the pet interval must be positive");
        if (FenceTimeout < PetInterval * 3)
            throw new ArgumentException($"the fence timeout ({FenceTimeout}) must be at least three pet intervals ({PetInterval})");
        if (FenceMargin < WatchdogTick * 5)
            throw new ArgumentException($"the fence margin ({FenceMargin}) must leave the watchdog time to notice and kill");
        if (RestartGrace < FenceTimeout) throw new ArgumentException("the restart grace must not be shorter than the fence timeout");
        return this;
    }

    /// <summary>Reads AM_FENCE_TIMEOUT_MS, AM_FENCE_MARGIN_MS and AM_FENCE_GRACE_MS over the standard values.</summary>
    public static FenceTimings FromMilliseconds(long? timeoutMs, long? marginMs, long? graceMs) =>
        new FenceTimings(
            Standard.PetInterval,
            timeoutMs is { } t ? TimeSpan.FromMilliseconds(t) : Standard.FenceTimeout,
            marginMs is { } m ? TimeSpan.FromMilliseconds(m) : Standard.FenceMargin,
            graceMs is { } g ? TimeSpan.FromMilliseconds(g) : Standard.RestartGrace).Validate();
}

using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>
/// Replays random member lives (renewals, then pets whose deadline was taken before the renewal, freezes anywhere, clean
/// stops with a grace pet) on
/// one time line and checks at every 10 ms: when the lease counts as expired, the watchdog has fired after the pet that
/// preceded the lease's last renewal and before the lease expired (a member that runs on afterwards may re-arm it).
/// </summary>
public class FenceInvariantTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void An_expired_lease_always_means_a_fired_watchdog(int seed)
    {
        var t = FenceTimings.Standard;
        var rng = new Random(seed);
        var dog = WatchdogClock.Disarmed;
        TimeSpan? leaseExpiry = null, renewAt = null, petAt = null, armedAt = null, firedAt = null;
        var (ttl, deadline, nextCycle, frozenUntil, lastCheck) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        var (stopped, expiredSeen) = (false, 0);

        for (var now = TimeSpan.Zero; now < TimeSpan.FromMinutes(10); now += Step)
        {
            if (now - lastCheck >= FenceTimings.WatchdogTick)
            {
                lastCheck = now;
                if (dog.Due(now)) (dog, firedAt) = (dog.AfterFiring(), now + KillTime);
            }
            if (renewAt is { } r && now >= r)
            {
                leaseExpiry = now + ttl; // the database's clock at the write
                renewAt = null;
                petAt = now + PetDelay(rng); // a freeze may fall between the renewal and the pet
            }
            if (petAt is { } p && now >= p)
            {
                var armed = dog.Pet(now, deadline);
                if (armed != dog) armedAt = now;
                (dog, petAt) = (armed, null);
            }
            if (!stopped && now >= frozenUntil && now >= nextCycle && renewAt is null && petAt is null)
            {
                var roll = rng.Next(100);
                var grace = roll == 3;
                if (roll < 3) frozenUntil = now + TimeSpan.FromMilliseconds(rng.Next(500, 20000));
                else
                {
                    var timeout = grace ? t.RestartGrace : t.FenceTimeout;
                    (deadline, ttl, renewAt) = (now + timeout, t.LeaseFor(timeout), now + RenewDelay(rng));
                }
                if (grace && !(stopped = rng.Next(2) == 0)) frozenUntil = now + TimeSpan.FromMilliseconds(rng.Next(1000, 70000));
                nextCycle = now + t.PetInterval;
            }
            if (leaseExpiry is { } exp && now > exp)
            {
                expiredSeen++;
                Assert.False(dog.Armed, $"seed {seed}: lease expired at {exp}, the watchdog is armed until {dog.Deadline} (now {now})");
                Assert.True(armedAt is null || (firedAt is { } f && f > armedAt && f <= exp),
                    $"seed {seed}: lease expired at {exp}, armed at {armedAt}, the watchdog last fired at {firedAt}");
            }
        }
        Assert.True(expiredSeen > 0, "the replay never let a lease expire: it proves nothing");
    }

    [Fact]
    public void The_watchdog_fires_once_and_stays_disarmed_until_the_next_pet()
    {
        var dog = WatchdogClock.Disarmed;
        Assert.False(dog.Due(TimeSpan.FromHours(1)));
        Assert.Equal(dog, dog.Pet(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))); // a deadline already past
        dog = dog.Pet(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9));
        Assert.Equal(TimeSpan.FromSeconds(8), dog.Left(TimeSpan.FromSeconds(1)));
        Assert.False(dog.Due(TimeSpan.FromSeconds(8.9)));
        Assert.True(dog.Due(TimeSpan.FromSeconds(9)));
        dog = dog.AfterFiring();
        Assert.False(dog.Due(TimeSpan.FromSeconds(20)));
        Assert.Null(dog.Left(TimeSpan.FromSeconds(20)));
        dog = dog.Pet(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(28));
        Assert.True(dog.Due(TimeSpan.FromSeconds(28)));
        Assert.Equal(1, dog.Fired);
    }

    /// <summary>From noticing the deadline to the last VM process gone (SIGKILL of a QEMU is reaped within ms).</summary>
    private static readonly TimeSpan KillTime = TimeSpan.FromMilliseconds(300);

    /// <summary>The write usually lands within ms, sometimes 1.5 s later (a slow database, a GC pause).</summary>
    private static TimeSpan RenewDelay(Random rng) => TimeSpan.FromMilliseconds(rng.Next(10) == 0 ? rng.Next(0, 1500) : rng.Next(0, 20));

    /// <summary>The pet usually follows its renewal within ms; sometimes the member freezes in between (up to 20 s).</summary>
    private static TimeSpan PetDelay(Random rng) => TimeSpan.FromMilliseconds(rng.Next(30) == 0 ? rng.Next(0, 20000) : rng.Next(0, 5));
}

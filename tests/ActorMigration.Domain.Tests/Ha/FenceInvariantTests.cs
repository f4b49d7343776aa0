using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>
/// Replays random member lives (pets, renewals after the acknowledged pet, freezes, clean stops with a grace pet) on
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
        TimeSpan? leaseExpiry = null;
        var nextPet = TimeSpan.Zero;
        var frozenUntil = TimeSpan.Zero;
        var stopped = false;
        TimeSpan? pendingRenewal = null; // the database write after an acknowledged pet, delayed
        var pendingTtl = TimeSpan.Zero;
        var pendingPet = TimeSpan.Zero;
        var leasePet = TimeSpan.Zero; // the pet that preceded the lease's last renewal
        TimeSpan? firedAt = null;
        var lastCheck = TimeSpan.Zero; // when the watchdog last looked at its deadline
        var expiredSeen = 0;

        for (var now = TimeSpan.Zero; now < TimeSpan.FromMinutes(10); now += Step)
        {
            if (now - lastCheck >= FenceTimings.WatchdogTick)
            {
                lastCheck = now;
                if (dog.Due(now)) (dog, firedAt) = (dog.AfterFiring(), now + KillTime);
            }
            if (pendingRenewal is { } at && now >= at)
            {
                leaseExpiry = now + pendingTtl; // the database's clock at the write
                leasePet = pendingPet;
                pendingRenewal = null;
            }
            var alive = !stopped && now >= frozenUntil;
            if (alive && now >= nextPet)
            {
                var roll = rng.Next(100);
                if (roll < 3) frozenUntil = now + TimeSpan.FromMilliseconds(rng.Next(500, 20000));
                else if (roll < 4)
                {
                    (dog, pendingPet) = (dog.Pet(now, t.RestartGrace), now);
                    (pendingRenewal, pendingTtl) = (now + Delay(rng), t.LeaseFor(t.RestartGrace));
                    stopped = rng.Next(2) == 0; // some never come back
                    if (!stopped) frozenUntil = now + TimeSpan.FromMilliseconds(rng.Next(1000, 70000));
                }
                else
                {
                    (dog, pendingPet) = (dog.Pet(now, t.FenceTimeout), now);
                    (pendingRenewal, pendingTtl) = (now + Delay(rng), t.LeaseTtl);
                }
                nextPet = now + t.PetInterval;
            }
            if (leaseExpiry is { } exp && now > exp)
            {
                expiredSeen++;
                Assert.True(firedAt is { } f && f > leasePet && f <= exp,
                    $"seed {seed}: lease (pet {leasePet}) expired at {exp}, the watchdog last fired at {firedAt} (now {now})");
            }
        }
        Assert.True(expiredSeen > 0, "the replay never let a lease expire: it proves nothing");
    }

    [Fact]
    public void The_watchdog_fires_once_and_stays_disarmed_until_the_next_pet()
    {
        var dog = WatchdogClock.Disarmed;
        Assert.False(dog.Due(TimeSpan.FromHours(1)));
        dog = dog.Pet(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        Assert.Equal(TimeSpan.FromSeconds(8), dog.Left(TimeSpan.FromSeconds(1)));
        Assert.False(dog.Due(TimeSpan.FromSeconds(8.9)));
        Assert.True(dog.Due(TimeSpan.FromSeconds(9)));
        dog = dog.AfterFiring();
        Assert.False(dog.Due(TimeSpan.FromSeconds(20)));
        Assert.Null(dog.Left(TimeSpan.FromSeconds(20)));
        dog = dog.Pet(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(8));
        Assert.True(dog.Due(TimeSpan.FromSeconds(28)));
        Assert.Equal(1, dog.Fired);
    }

    /// <summary>From noticing the deadline to the last VM process gone (SIGKILL of a QEMU is reaped within ms).</summary>
    private static readonly TimeSpan KillTime = TimeSpan.FromMilliseconds(300);

    /// <summary>The write usually reaches the database within ms of the pet, sometimes 1.5 s later (a slow database, a GC pause).</summary>
    private static TimeSpan Delay(Random rng) => TimeSpan.FromMilliseconds(rng.Next(10) == 0 ? rng.Next(0, 1500) : rng.Next(0, 20));
}

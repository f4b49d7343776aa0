using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

public class FenceTimingsTests
{
    private static readonly FenceTimings T = FenceTimings.Standard;

    [Fact]
    public void Standard_timings_are_one_second_pets_eight_second_fence_ten_second_lease()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), T.PetInterval);
        Assert.Equal(TimeSpan.FromSeconds(8), T.FenceTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), T.LeaseTtl);
        Assert.Equal(TimeSpan.FromSeconds(62), T.LeaseFor(T.RestartGrace));
        T.Validate();
    }

    [Theory]
    [InlineData(2000, 2000, 60000)] // fence timeout shorter than three pets
    [InlineData(8000, 100, 60000)] // no room for the watchdog to notice and kill
    [InlineData(8000, 2000, 5000)] // grace shorter than the fence timeout
    public void Timings_that_cannot_keep_the_invariant_are_refused(long timeout, long margin, long grace) =>
        Assert.Throws<ArgumentException>(() => FenceTimings.FromMilliseconds(timeout, margin, grace));

    [Fact]
    public void Unset_values_keep_the_standard()
    {
        var t = FenceTimings.FromMilliseconds(4000, null, null);
        Assert.Equal(TimeSpan.FromSeconds(4), t.FenceTimeout);
        Assert.Equal(T.FenceMargin, t.FenceMargin);
        Assert.Equal(TimeSpan.FromSeconds(6), t.LeaseTtl);
    }

    [Theory]
    [InlineData(true, 1, 0, true)] // a single member is its own majority
    [InlineData(true, 3, 0, true)]
    [InlineData(true, 3, 1, true)]
    [InlineData(true, 3, 2, false)] // cut off alone
    [InlineData(true, 2, 1, false)] // one of two: no majority until the other is removed
    [InlineData(true, 4, 2, false)] // a tie is no majority
    [InlineData(false, 3, 0, false)] // not Up (joining, leaving, downed)
    [InlineData(true, 0, 0, false)]
    public void A_member_pets_only_while_up_with_a_majority(bool up, int members, int unreachable, bool expected) =>
        Assert.Equal(expected, FenceRules.MayPet(up, members, unreachable));
}

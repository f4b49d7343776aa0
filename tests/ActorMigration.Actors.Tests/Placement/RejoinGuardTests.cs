using ActorMigration.Actors.Cluster;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Placement;

/// <summary>When a restarted member joins, and which seeds a restarted first seed tries first.</summary>
public sealed class RejoinGuardTests : IDisposable
{
    private static readonly Address M1 = Address.Parse("akka.tcp://actormigration@m1:4053");
    private static readonly Address M2 = Address.Parse("akka.tcp://actormigration@m2:4053");
    private static readonly Address M3 = Address.Parse("akka.tcp://actormigration@m3:4053");
    private readonly string _dir = Directory.CreateTempSubdirectory("am-rejoin-").FullName;

    [Fact]
    public void A_restarted_first_seed_tries_only_the_other_seeds_first()
    {
        Assert.Equal([M2, M3], RejoinGuard.FirstAttempt([M1, M2, M3], M1, restarted: true));
    }

    [Fact]
    public void A_first_start_of_the_first_seed_may_form_the_cluster()
    {
        Assert.Equal([M1, M2, M3], RejoinGuard.FirstAttempt([M1, M2, M3], M1, restarted: false));
    }

    [Fact]
    public void Another_restarted_member_and_a_lone_seed_keep_their_seeds()
    {
        Assert.Equal([M1, M2, M3], RejoinGuard.FirstAttempt([M1, M2, M3], M2, restarted: true));
        Assert.Equal([M1], RejoinGuard.FirstAttempt([M1], M1, restarted: true));
    }

    [Fact]
    public void A_member_without_a_previous_incarnation_joins_at_once()
    {
        Assert.Equal(TimeSpan.Zero, RejoinGuard.DelayBeforeJoin(_dir, DateTime.UtcNow));
    }

    [Fact]
    public void A_member_whose_previous_incarnation_was_alive_recently_waits_the_rest_of_the_quiet_time()
    {
        var file = Path.Combine(_dir, RejoinGuard.FileName);
        File.WriteAllText(file, "1");
        var touched = DateTime.UtcNow.AddSeconds(-10);
        File.SetLastWriteTimeUtc(file, touched);

        Assert.Equal(RejoinGuard.Quiet - TimeSpan.FromSeconds(10), RejoinGuard.DelayBeforeJoin(_dir, touched.AddSeconds(10)));
        Assert.Equal(TimeSpan.Zero, RejoinGuard.DelayBeforeJoin(_dir, touched + RejoinGuard.Quiet + TimeSpan.FromSeconds(1)));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}

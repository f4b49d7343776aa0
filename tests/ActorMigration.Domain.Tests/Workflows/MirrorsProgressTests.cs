using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;

namespace ActorMigration.Domain.Tests.Workflows;

/// <summary>The one rule both mirroring workflows (migration with local disks, full clone of a running VM) follow.</summary>
public sealed class MirrorsProgressTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 5, 0, 0, TimeSpan.Zero);

    private static BlockJobInfo[] Jobs(long a, long b) =>
        [new("scsi0", "mirror", 100, a, false, "running"), new("scsi1", "mirror", 100, b, false, "running")];

    [Fact]
    public void The_first_poll_sets_the_mark_and_growth_moves_it_only_with_a_log_line()
    {
        Assert.Equal((new MirrorsProgressed(30, T0), null), MirrorsProgressed.Check(null, Jobs(10, 20), T0, false, 10, []));
        var mark = new MirrorsProgressed(30, T0);
        Assert.Equal((null, null), MirrorsProgressed.Check(mark, Jobs(15, 20), T0.AddSeconds(0.5), false, 10, []));
        Assert.Equal((new MirrorsProgressed(35, T0.AddSeconds(1)), null),
            MirrorsProgressed.Check(mark, Jobs(15, 20), T0.AddSeconds(1), true, 10, []));
    }

    [Fact]
    public void No_growth_for_longer_than_the_timeout_is_an_error_naming_the_drives()
    {
        var mark = new MirrorsProgressed(30, T0);
        Assert.Equal((null, null), MirrorsProgressed.Check(mark, Jobs(10, 20), T0.AddSeconds(10), true, 10, ["a"]));
        var (next, stalled) = MirrorsProgressed.Check(mark, Jobs(10, 20), T0.AddSeconds(10.5), true, 10, ["scsi0: 10 of 100", "scsi1: 20 of 100"]);
        Assert.Null(next);
        Assert.Equal("mirroring error: no progress for 10.5 s (progress timeout 10 s): scsi0: 10 of 100, scsi1: 20 of 100", stalled);
    }
}

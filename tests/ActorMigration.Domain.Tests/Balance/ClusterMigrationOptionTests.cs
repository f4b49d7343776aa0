using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Workflows.Migration;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>The datacenter's <c>migration</c> option: set beside the others, replaced, deleted; a bad one changes nothing.</summary>
public sealed class ClusterMigrationOptionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlySet<string> Nodes = new HashSet<string> { "node1", "node2" };

    private static ClusterConfigState Run(ClusterConfigState s, ClusterOptions set, params string[] delete)
    {
        var (events, error) = ClusterConfigDecider.Decide(s, new SetClusterOptions(set, delete, "root@pam"), T0, Nodes);
        Assert.Null(error);
        return events.Aggregate(s, ClusterConfigDecider.Apply);
    }

    [Fact]
    public void Migration_is_set_kept_beside_other_options_replaced_and_deleted()
    {
        var secure = new MigrationNetwork("secure", "10.0.0.0/24");
        var s = Run(ClusterConfigState.Empty, new ClusterOptions(null, null, secure));
        Assert.Equal(secure, s.Options.Migration);
        s = Run(s, new ClusterOptions(4, null));
        Assert.Equal(new ClusterOptions(4, null, secure), s.Options);
        s = Run(s, new ClusterOptions(null, null, new MigrationNetwork("insecure", null)));
        Assert.Equal(new MigrationNetwork("insecure", null), s.Options.Migration);
        s = Run(s, ClusterOptions.None, ClusterOptions.MigrationKey);
        Assert.Equal(new ClusterOptions(4, null), s.Options);
    }

    [Fact]
    public void A_bad_migration_option_is_refused_by_the_store()
    {
        var (events, error) = ClusterConfigDecider.Decide(ClusterConfigState.Empty,
            new SetClusterOptions(new ClusterOptions(null, null, new MigrationNetwork("fast", "10.0.0.0/99")), [], "root@pam"), T0, Nodes);
        Assert.Empty(events);
        Assert.StartsWith("migration: invalid format - format error\ntype: value 'fast'", error);
    }
}

using ActorMigration.Domain.Scheduling;

namespace ActorMigration.Domain.Tests.Scheduling;

/// <summary>The <c>migration-limits</c> property string: defaults, round trip and Proxmox's format errors.</summary>
public sealed class MigrationLimitsTests
{
    [Theory]
    [InlineData("cluster=5,outbound=2", 5, 2, null)]
    [InlineData("cluster=10,outbound=3,inbound=1", 10, 3, 1)]
    [InlineData("outbound=1", 5, 1, null)]
    [InlineData("inbound=4,cluster=7", 7, 2, 4)]
    [InlineData("", 5, 2, null)]
    public void Keys_left_out_take_the_defaults(string text, int cluster, int outbound, int? inbound)
    {
        var (limits, error) = MigrationLimits.Parse(text);
        Assert.Null(error);
        Assert.Equal(new MigrationLimits(cluster, outbound, inbound), limits);
    }

    [Fact]
    public void The_defaults_are_KubeVirts_and_format_round_trips()
    {
        Assert.Equal("cluster=5,outbound=2", MigrationLimits.Default.Format());
        var limits = new MigrationLimits(1000, 20, 3);
        Assert.Equal("cluster=1000,outbound=20,inbound=3", limits.Format());
        Assert.Equal(limits, MigrationLimits.Parse(limits.Format()).Limits);
    }

    [Theory]
    [InlineData("cluster=0", "format error\ncluster: value must have a minimum value of 1")]
    [InlineData("outbound=-1", "format error\noutbound: value must have a minimum value of 1")]
    [InlineData("cluster=x", "format error\ncluster: type check ('integer') failed - got 'x'")]
    [InlineData("inbound=1.5", "format error\ninbound: type check ('integer') failed - got '1.5'")]
    [InlineData("cluster=5,parallel=3",
        "format error\nparallel: property is not defined in schema and the schema does not allow additional properties")]
    [InlineData("cluster=0,outbound=y",
        "format error\ncluster: value must have a minimum value of 1\noutbound: type check ('integer') failed - got 'y'")]
    [InlineData("cluster=5,cluster=6", "duplicate key in comma-separated list property: cluster")]
    [InlineData("5", "missing key in comma-separated list property: '5'")]
    public void Bad_values_give_Proxmoxs_property_string_errors(string text, string expected)
    {
        var (limits, error) = MigrationLimits.Parse(text);
        Assert.Null(limits);
        Assert.Equal(expected, error);
    }
}

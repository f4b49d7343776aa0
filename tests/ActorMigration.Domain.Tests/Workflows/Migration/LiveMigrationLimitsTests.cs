using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>
/// Prepare's downtime and speed limit (QemuMigrate phase2): migrate_downtime in seconds → ms, bwlimit (KiB/s) against
/// migrate_speed (MiB/s), max-downtime against migrate_downtime, and the migration network against the target's address.
/// </summary>
public class LiveMigrationLimitsTests
{
    private static MigrationPlan Plan(string extraConfig = "", long? bwlimit = null, long? maxDowntimeMs = null, MigrationNetwork? network = null)
    {
        var (plan, error, _) = Prepare(extraConfig, bwlimit, maxDowntimeMs, network);
        Assert.Null(error);
        return plan!;
    }

    private static (MigrationPlan?, string?, IReadOnlyList<string>) Prepare(string extraConfig, long? bwlimit = null, long? maxDowntimeMs = null,
        MigrationNetwork? network = null) =>
        MigrationChecks.Prepare(Request(bwlimit: bwlimit) with { MaxDowntimeMs = maxDowntimeMs }, Facts(SharedConfig + extraConfig), Upid, network);

    [Fact]
    public void Without_options_the_downtime_is_proxmox_default_and_the_speed_unlimited()
    {
        var plan = Plan();
        Assert.Equal(100, plan.DowntimeLimitMs);
        Assert.Null(plan.BwLimitKiB);
    }

    [Theory]
    [InlineData("0.5", 500)]
    [InlineData("2", 2000)]
    [InlineData("0", 0)]
    [InlineData("0.0015", 1)]
    [InlineData("1e-1", 100)]
    [InlineData(".5", 500)]
    [InlineData("2.", 2000)]
    [InlineData("+1.25", 1250)]
    public void Migrate_downtime_in_seconds_becomes_the_limit_in_ms(string seconds, long ms) =>
        Assert.Equal(ms, Plan($"migrate_downtime: {seconds}\n").DowntimeLimitMs);

    [Fact]
    public void Migrate_downtime_wins_over_the_requests_default()
    {
        var (plan, _, _) = MigrationChecks.Prepare(Request() with { DowntimeLimitMs = 300 }, Facts(SharedConfig + "migrate_downtime: 0.7\n"), Upid);
        Assert.Equal(700, plan!.DowntimeLimitMs);
        (plan, _, _) = MigrationChecks.Prepare(Request() with { DowntimeLimitMs = 300 }, Facts(SharedConfig), Upid);
        Assert.Equal(300, plan!.DowntimeLimitMs);
    }

    [Theory]
    [InlineData(null, null, null)] // neither: no limit
    [InlineData(null, "8", 8192L)] // migrate_speed only, MiB/s → KiB/s
    [InlineData(4096L, null, 4096L)] // bwlimit only, KiB/s
    [InlineData(4096L, "8", 4096L)] // both: the lower
    [InlineData(65536L, "8", 8192L)]
    [InlineData(0L, "8", 8192L)] // bwlimit 0 is no limit: migrate_speed's
    [InlineData(4096L, "0", 4096L)] // migrate_speed 0 is no limit: bwlimit's
    [InlineData(0L, "0", null)]
    public void Speed_limit_is_the_lower_of_bwlimit_and_migrate_speed(long? bwlimit, string? migrateSpeed, long? kib)
    {
        var extra = migrateSpeed is null ? "" : $"migrate_speed: {migrateSpeed}\n";
        Assert.Equal(kib, Plan(extra, bwlimit).BwLimitKiB);
    }

    [Fact]
    public void Max_downtime_below_migrate_downtime_is_refused_and_equal_or_above_is_accepted()
    {
        var (plan, error, _) = Prepare("migrate_downtime: 0.5\n", maxDowntimeMs: 400);
        Assert.Null(plan);
        Assert.Equal("max-downtime (0.4 s) is below the VM's migrate_downtime (0.5 s)", error);
        Assert.Equal(500, Plan("migrate_downtime: 0.5\n", maxDowntimeMs: 500).DowntimeLimitMs);
        Assert.Equal(500, Plan("migrate_downtime: 0.5\n", maxDowntimeMs: 2000).DowntimeLimitMs);
        // Against the default 0.1 s when the config has none.
        Assert.Equal("max-downtime (0.05 s) is below the VM's migrate_downtime (0.1 s)", Prepare("", maxDowntimeMs: 50).Item2);
    }

    [Theory]
    [InlineData("10.0.0.0/24")]
    [InlineData("10.0.0.2/32")]
    [InlineData("10.0.0.77/8")]
    public void A_network_holding_the_targets_address_is_accepted(string cidr) =>
        Assert.Equal("10.0.0.2", Plan(network: new MigrationNetwork(null, cidr)).TargetAddress);

    [Theory]
    [InlineData("192.168.0.0/16")]
    [InlineData("10.0.1.0/24")]
    [InlineData("fd00::/8")]
    public void A_network_without_the_targets_address_is_refused_with_proxmox_text(string cidr)
    {
        var (plan, error, _) = Prepare("", network: new MigrationNetwork(MigrationNetwork.Secure, cidr));
        Assert.Null(plan);
        Assert.Equal($"could not get migration ip: no IP address configured on local node for network '{cidr}'", error);
    }

    [Fact]
    public void The_requests_type_and_network_override_the_datacenters()
    {
        var dc = new MigrationNetwork(MigrationNetwork.Insecure, "10.0.0.0/24");
        Assert.Equal(new MigrationNetwork("insecure", "10.0.0.0/24"), MigrationNetwork.Effective(dc, null, null));
        Assert.Equal(new MigrationNetwork("secure", "10.9.0.0/16"), MigrationNetwork.Effective(dc, "secure", "10.9.0.0/16"));
        Assert.Equal(new MigrationNetwork("secure", null), MigrationNetwork.Effective(null, null, null));
        Assert.Equal(new MigrationNetwork("secure", "10.0.0.0/24"), MigrationNetwork.Effective(new MigrationNetwork(null, "10.0.0.0/24"), null, null));
    }

    [Theory]
    [InlineData("secure", "type=secure")]
    [InlineData("type=insecure,network=10.1.0.0/16", "type=insecure,network=10.1.0.0/16")]
    [InlineData("network=fd00::/64", "network=fd00::/64")]
    [InlineData("network=10.1.0.0/16,insecure", "type=insecure,network=10.1.0.0/16")]
    public void The_datacenter_option_parses_in_proxmox_shape(string text, string formatted)
    {
        var (value, error) = MigrationNetwork.Parse(text);
        Assert.Null(error);
        Assert.Equal(formatted, value!.Format());
    }

    [Theory]
    [InlineData("fast", "format error\ntype: value 'fast' does not have a value in the enumeration 'secure, insecure'")]
    [InlineData("network=10.0.0.0", "format error\nnetwork: invalid format - value does not look like a valid CIDR network")]
    [InlineData("network=10.0.0.0/7", "format error\nnetwork: invalid format - value does not look like a valid CIDR network")]
    [InlineData("network=10.0.0.0/33", "format error\nnetwork: invalid format - value does not look like a valid CIDR network")]
    [InlineData("network=10.1/16", "format error\nnetwork: invalid format - value does not look like a valid CIDR network")]
    [InlineData("network=300.0.0.0/16", "format error\nnetwork: invalid format - value does not look like a valid CIDR network")]
    [InlineData("speed=1", "format error\nspeed: property is not defined in schema and the schema does not allow additional properties")]
    [InlineData("secure,type=insecure", "duplicate key in comma-separated list property: type")]
    public void Bad_datacenter_options_name_their_problem(string text, string error)
    {
        var (value, e) = MigrationNetwork.Parse(text);
        Assert.Null(value);
        Assert.Equal(error, e);
    }

    [Fact]
    public void Speed_rule_clamps_huge_migrate_speed_instead_of_overflowing() =>
        Assert.Equal(long.MaxValue / 1024 * 1024, LiveMigrationLimits.SpeedKiB(QmConfig.Parse($"migrate_speed: {long.MaxValue}\n").Main, null));
}

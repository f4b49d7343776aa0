using System.Net;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Migration;

/// <summary>
/// migrate_downtime/migrate_speed in the VM config, bwlimit/max-downtime/post-copy/migration_network on POST …/migrate,
/// and /cluster/options migration: Proxmox's shapes and texts; bad values are a 400 that changes nothing; the effective
/// limits reach the live migration's task log (the StartMigration spec).
/// </summary>
public sealed class MigrationParameterApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    /// <summary>Until MigrationMachine starts the live migration from the plan's speed limit (the lead's change).</summary>

    private PveClient C => f.Client;

    private async Task<int> CreateVm(bool start, params (string, string)[] extra)
    {
        var vmid = f.NextVmId();
        var form = new List<(string, string)> { ("vmid", vmid.ToString()), ("memory", "128") };
        form.AddRange(extra);
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", form.ToArray()))));
        if (start) Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        return vmid;
    }

    private async Task<string> Config(int vmid) => (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Body;

    private async Task<IReadOnlyList<string>> Migrate(int vmid, params (string, string)[] extra)
    {
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", [("target", "node2"), ("online", "1"), .. extra]));
        Assert.Equal("OK", await C.Wait(upid));
        return await C.Log(upid);
    }

    private static void Logged(IReadOnlyList<string> log, string line) => Assert.Contains(log, l => l.EndsWith(" " + line));

    [Fact]
    public async Task Config_options_are_stored_and_shown_as_numbers()
    {
        var vmid = await CreateVm(false, ("migrate_downtime", "0.5"), ("migrate_speed", "8"));
        var cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal(0.5, cfg["migrate_downtime"]!.GetValue<double>());
        Assert.Equal(8, cfg["migrate_speed"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("migrate_downtime", "2"), ("migrate_speed", "0"))).Status);
        cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal((2.0, 0L), (cfg["migrate_downtime"]!.GetValue<double>(), cfg["migrate_speed"]!.GetValue<long>()));
    }

    [Theory]
    [InlineData("migrate_downtime", "-0.1", "value must have a minimum value of 0")]
    [InlineData("migrate_downtime", "fast", "type check ('number') failed - got 'fast'")]
    [InlineData("migrate_downtime", "0,5", "type check ('number') failed - got '0,5'")]
    [InlineData("migrate_speed", "-1", "value must have a minimum value of 0")]
    [InlineData("migrate_speed", "1.5", "type check ('integer') failed - got '1.5'")]
    [InlineData("migrate_speed", "8M", "type check ('integer') failed - got '8M'")]
    public async Task Bad_config_values_are_a_400_and_change_nothing(string key, string value, string error)
    {
        var vmid = await CreateVm(false, ("migrate_downtime", "0.3"));
        var before = await Config(vmid);
        var r = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("cores", "2"), (key, value));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(error, r.Errors![key]!.GetValue<string>());
        Assert.Equal(before, await Config(vmid));
    }

    [Theory]
    [InlineData("max-downtime", "-1", "value must have a minimum value of 0")]
    [InlineData("max-downtime", "long", "type check ('number') failed - got 'long'")]
    [InlineData("post-copy", "maybe", "type check ('boolean') failed - got 'maybe'")]
    [InlineData("bwlimit", "-5", "value must have a minimum value of 0")]
    [InlineData("bwlimit", "1.5", "type check ('integer') failed - got '1.5'")]
    [InlineData("max-downtime", "0.2", "max-downtime (0.2 s) is below the VM's migrate_downtime (0.3 s)")]
    public async Task Bad_migrate_parameters_are_a_400_and_change_nothing(string key, string value, string error)
    {
        var vmid = await CreateVm(true, ("migrate_downtime", "0.3"));
        var before = await Config(vmid);
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), (key, value));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(error, r.Errors![key]!.GetValue<string>());
        Assert.Equal(before, await Config(vmid));
        Assert.Equal("running", (await C.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("10.0.0.0", "invalid format - value does not look like a valid CIDR network\n")]
    [InlineData("127.0.0.0/99", "invalid format - value does not look like a valid CIDR network\n")]
    public async Task A_bad_migration_network_is_a_400_for_root_too(string value, string error)
    {
        var vmid = await CreateVm(true);
        var root = await f.Server.RootSession();
        var r = await root.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("migration_network", value));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(error, r.Errors!["migration_network"]!.GetValue<string>());
    }

    [Fact]
    public async Task Config_downtime_and_request_bwlimit_reach_the_live_migration()
    {
        var vmid = await CreateVm(true, ("migrate_downtime", "0.5"), ("migrate_speed", "64"));
        var log = await Migrate(vmid, ("bwlimit", "4096"), ("max-downtime", "2"), ("post-copy", "1"));
        Logged(log, "migration downtime limit: 500 ms");
        Logged(log, "migration speed limit: 4.0 MiB/s"); // bwlimit below migrate_speed
    }

    [Fact]
    public async Task Config_speed_reaches_the_live_migration_when_lower_than_bwlimit()
    {
        var vmid = await CreateVm(true, ("migrate_speed", "8"));
        var log = await Migrate(vmid, ("bwlimit", "65536"));
        Logged(log, "migration downtime limit: 100 ms");
        Logged(log, "migration speed limit: 8.0 MiB/s");
    }

    [Fact]
    public async Task Cluster_migration_option_is_set_read_as_proxmox_shows_it_checked_and_overridden_by_the_request()
    {
        var root = await f.Server.RootSession();
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await C.Put("/cluster/options", ("migration", "insecure,network=10.99.0.0/16"))).Status);
            Assert.Equal("""{"network":"10.99.0.0/16","type":"insecure"}""", (await C.Get("/cluster/options")).Data!["migration"]!.ToJsonString());

            // The target's address (127.0.0.1) is not in the datacenter's network: refused, nothing changes.
            var vmid = await CreateVm(true);
            var before = await Config(vmid);
            var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"));
            Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
            Assert.Equal("could not get migration ip: no IP address configured on local node for network '10.99.0.0/16'", r.Reason);
            Assert.Equal(before, await Config(vmid));

            // The request's network overrides it.
            var upid = await root.Upid(root.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"),
                ("migration_network", "127.0.0.0/8"), ("migration_type", "secure")));
            Assert.Equal("OK", await C.Wait(upid));

            // A datacenter network holding the address is accepted.
            Assert.Equal(HttpStatusCode.OK, (await C.Put("/cluster/options", ("migration", "network=127.0.0.0/8"))).Status);
            Assert.Equal("""{"network":"127.0.0.0/8"}""", (await C.Get("/cluster/options")).Data!["migration"]!.ToJsonString());
            Logged(await Migrate(await CreateVm(true)), "migration downtime limit: 100 ms");
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await C.Put("/cluster/options", ("delete", "migration"))).Status);
        }
        Assert.Null((await C.Get("/cluster/options")).Data!["migration"]);
    }

    [Theory]
    [InlineData("fast", "invalid format - format error\ntype: value 'fast' does not have a value in the enumeration 'secure, insecure'\n")]
    [InlineData("network=10.0.0.0", "invalid format - format error\nnetwork: invalid format - value does not look like a valid CIDR network\n")]
    [InlineData("secure,speed=1",
        "invalid format - format error\nspeed: property is not defined in schema and the schema does not allow additional properties\n")]
    public async Task A_bad_cluster_migration_option_is_a_400_and_changes_nothing(string value, string error)
    {
        var before = (await C.Get("/cluster/options")).Body;
        var r = await C.Put("/cluster/options", ("max_workers", "3"), ("migration", value));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(error, r.Errors!["migration"]!.GetValue<string>());
        Assert.Equal(before, (await C.Get("/cluster/options")).Body);
    }
}

using ActorMigration.Cli.Tests.Fakes;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

public class ErrorTests
{
    [Fact]
    public async Task Bad_request_prints_each_parameter_error_and_does_not_poll()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("POST", "nodes/pve1/qemu/100/migrate",
            Reply.BadRequest(("target", "target is local node."), ("bwlimit", "type check ('integer') failed - got 'x'\n")));

        var r = await Run(pve, "migrate", "100", "pve1", "--bwlimit", "x");

        Assert.Equal(1, r.Code);
        Assert.Contains("error: Parameter verification failed.", r.Output);
        Assert.Contains("target: target is local node.", r.Output);
        Assert.Contains("bwlimit: type check ('integer') failed - got 'x'", r.Output);
        Assert.DoesNotContain(pve.Requests, q => q.Path.Contains("/tasks/"));
    }

    [Fact]
    public async Task Server_error_prints_the_body_message()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("POST", "nodes/pve1/qemu/100/migrate", Reply.Fail("no such cluster node 'x'"));

        var r = await Run(pve, "migrate", "100", "x", "--online");

        Assert.Equal(1, r.Code);
        Assert.Contains("error: no such cluster node 'x' (HTTP 500)", r.Output);
    }

    [Fact]
    public async Task Server_error_without_body_falls_back_to_the_reason_phrase()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "nodes/pve1/qemu/100/config", new Reply(500, "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist", null));

        var r = await Run(pve, "vm", "config", "100", "--node", "pve1");

        Assert.Equal(1, r.Code);
        Assert.Contains("Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist", r.Output);
    }

    [Fact]
    public async Task Unauthorized_explains_the_token()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "nodes", Reply.Unauthorized());

        var r = await Run(pve, "nodes");

        Assert.Equal(1, r.Code);
        Assert.Contains("authentication failed (Authentication failed!)", r.Output);
        Assert.Contains("API token from --token", r.Output);
    }

    [Fact]
    public async Task Missing_token_fails_before_any_request()
    {
        await using var pve = await FakePve.StartAsync();
        var dir = Directory.CreateTempSubdirectory("amctl-").FullName;

        var r = await RunRaw(["nodes", "--api", pve.Url], new() { ["AM_DATA_DIR"] = dir });

        Assert.Equal(1, r.Code);
        Assert.Contains("no API token", r.Output);
        Assert.Contains(Path.Combine(dir, "admin.token"), r.Output);
        Assert.Empty(pve.Requests);
    }

    [Fact]
    public async Task Token_is_read_from_the_data_dir_and_api_from_the_environment()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "cluster/nextid", Reply.Data("\"100\""));
        var dir = Directory.CreateTempSubdirectory("amctl-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "admin.token"), "root@pam!file=1234\n");

        var r = await RunRaw(["nextid"], new() { ["AM_DATA_DIR"] = dir, ["AM_API"] = pve.Url });

        Assert.Equal(0, r.Code);
        Assert.Equal("PVEAPIToken=root@pam!file=1234", Assert.Single(pve.Requests).Authorization);
    }

    [Theory]
    [InlineData("explode")]
    [InlineData("vm", "list", "--bogus", "1")]
    [InlineData("migrate", "abc", "pve2")]
    [InlineData("task", "log", "not-a-upid")]
    [InlineData("clone", "100", "101", "--full", "maybe")]
    public async Task Usage_errors_exit_2_without_requests(params string[] args)
    {
        await using var pve = await FakePve.StartAsync();

        var r = await Run(pve, args);

        Assert.Equal(2, r.Code);
        Assert.Contains("error:", r.Output);
        Assert.Empty(pve.Requests);
    }

    [Fact]
    public async Task Unreachable_server_is_reported()
    {
        var r = await RunRaw(["nodes", "--api", "http://127.0.0.1:1", "--token", Token]);

        Assert.Equal(1, r.Code);
        Assert.Contains("cannot reach http://127.0.0.1:1/api2/json", r.Output);
    }
}

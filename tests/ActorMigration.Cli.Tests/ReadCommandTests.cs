using System.Text.Json;
using ActorMigration.Cli.Tests.Fakes;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

public class ReadCommandTests
{
    [Fact]
    public async Task Vm_list_asks_for_vm_resources_with_the_token_and_prints_a_table()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources();

        var r = await Run(pve, "vm", "list");

        Assert.Equal(0, r.Code);
        var req = Assert.Single(pve.Requests);
        Assert.Equal(("GET", "cluster/resources", "vm"), (req.Method, req.Path, req.Query["type"]));
        Assert.Equal(AuthHeader, req.Authorization);
        Assert.Contains("web1", r.Output);
        Assert.Contains("backup", r.Output); // lock column
        Assert.Contains("tmpl", r.Output);
        Assert.True(r.Output.IndexOf("web1", StringComparison.Ordinal) < r.Output.IndexOf("tmpl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Vm_list_filters_by_node_and_prints_json()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources();

        var r = await Run(pve, "vm", "list", "--node", "pve2", "--json");

        Assert.Equal(0, r.Code);
        var vms = JsonDocument.Parse(r.Output).RootElement;
        var vm = Assert.Single(vms.EnumerateArray());
        Assert.Equal("tmpl", vm.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Nodes_table()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "nodes", Reply.Data("""
            [{"node":"pve2","status":"offline","type":"node","id":"node/pve2"},
             {"node":"pve1","status":"online","cpu":0.5,"maxcpu":4,"mem":1073741824,"maxmem":4294967296,"uptime":90061}]
            """));

        var r = await Run(pve, "nodes");

        Assert.Equal(0, r.Code);
        Assert.Contains("offline", r.Output);
        Assert.Contains("50.0% of 4", r.Output);
        Assert.Contains("1.0 GiB / 4.0 GiB", r.Output);
        Assert.Contains("1d 1h 1m", r.Output);
    }

    [Theory]
    [InlineData("\"101\"")]
    [InlineData("101")]
    public async Task Nextid_accepts_string_or_number(string data)
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "cluster/nextid", Reply.Data(data));

        var r = await Run(pve, "nextid");

        Assert.Equal((0, "101"), (r.Code, r.Output.Trim()));
    }

    [Fact]
    public async Task Vm_config_finds_the_node_via_resources()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources().On("GET", "nodes/pve2/qemu/9000/config",
            Reply.Data("""{"name":"tmpl","memory":"2048","cores":2,"template":1,"digest":"abc"}"""));

        var r = await Run(pve, "vm", "config", "9000");

        Assert.Equal(0, r.Code);
        Assert.Equal(["cluster/resources", "nodes/pve2/qemu/9000/config"], pve.Requests.Select(q => q.Path));
        Assert.Contains("VM 9000 on pve2", r.Output);
        Assert.Matches(@"memory\s*│\s*2048", r.Output);
    }

    [Fact]
    public async Task Vm_config_with_node_skips_the_lookup_and_passes_current()
    {
        await using var pve = await FakePve.StartAsync();
        pve.On("GET", "nodes/pve7/qemu/100/config", Reply.Data("""{"name":"web1"}"""));

        var r = await Run(pve, "vm", "config", "100", "--node", "pve7", "--current", "--json");

        Assert.Equal(0, r.Code);
        var req = Assert.Single(pve.Requests);
        Assert.Equal("1", req.Query["current"]);
        Assert.Equal("web1", JsonDocument.Parse(r.Output).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Unknown_vm_is_an_error()
    {
        await using var pve = await FakePve.StartAsync();
        pve.WithResources();

        var r = await Run(pve, "vm", "config", "555");

        Assert.Equal(1, r.Code);
        Assert.Contains("VM 555 not found", r.Output);
    }
}

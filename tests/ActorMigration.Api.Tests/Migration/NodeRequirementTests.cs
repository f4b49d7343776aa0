using System.Net;

namespace ActorMigration.Api.Tests.Migration;

/// <summary>Each node reports its package version and CPU vendor; migrations check them.</summary>
public sealed class NodeRequirementTests : IAsyncLifetime
{
    private InProcessServer _server = null!;
    private PveClient C => _server.Client;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
    {
        ["AM_NODE_NODE1_VERSION"] = "8.2.4",
        ["AM_NODE_NODE2_VERSION"] = "8.1.0",
        ["AM_NODE_NODE3_VERSION"] = "8.3.0",
        ["AM_NODE_NODE3_CPU_VENDOR"] = "AuthenticAMD",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<int> RunningVm(int vmid)
    {
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512")))));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        return vmid;
    }

    [Fact]
    public async Task A_target_with_an_older_version_is_refused()
    {
        var vmid = await RunningVm(100);
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal("target node 'node2' runs an older version (8.1.0) than source node 'node1' (8.2.4)", r.Reason);
        Assert.Null((await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["lock"]);
    }

    [Fact]
    public async Task A_target_with_another_cpu_vendor_is_refused_for_live_migration_only()
    {
        var vmid = await RunningVm(101);
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node3"), ("online", "1"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal("CPU vendor of target node 'node3' (AuthenticAMD) differs from source node 'node1' (GenuineIntel)", r.Reason);

        var pre = await C.Get($"/nodes/node1/qemu/{vmid}/migrate");
        Assert.Empty(pre.Data!["allowed_nodes"]!.AsArray());
        Assert.NotNull(pre.Data!["not_allowed_nodes"]!["node2"]);
        Assert.Contains("CPU vendor", pre.Data!["not_allowed_nodes"]!["node3"]!["blocking-reasons"]![0]!.GetValue<string>());

        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/stop"))));
        var offline = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node3")));
        Assert.Equal("OK", await C.Wait(offline));
    }
}

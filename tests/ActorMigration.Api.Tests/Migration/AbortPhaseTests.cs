using System.Net;

namespace ActorMigration.Api.Tests.Migration;

/// <summary>
/// DELETE on the task in the two short phases before the point of no return that real QEMU passes in milliseconds
/// (stop-and-copy, conntrack-transfer): the simulated driver holds each for 3 s. Each abort rolls back with I1–I4 (the
/// real-QEMU phases are in System.Tests QemuMigrationAbortTests).
/// </summary>
public sealed class AbortPhaseTests : IAsyncLifetime
{
    private InProcessServer _server = null!;
    private PveClient C => _server.Client;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync(new Dictionary<string, string?>
    {
        ["AM_SIM_HOLDS"] = "switchover:3000,conntrack:3000",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("stop-and-copy", 901)]
    [InlineData("conntrack-transfer", 902)]
    public async Task Abort_in_a_short_phase_rolls_back_with_I1_to_I4(string phase, int vmid)
    {
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512")))));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"),
            ("with-conntrack-state", "1")));
        await PveClient.Eventually(async () =>
            (await C.Get($"/nodes/node1/tasks/{Uri.EscapeDataString(upid)}/status")).Data?["phase"]?.GetValue<string>() == phase, what: phase);

        Assert.Equal(HttpStatusCode.OK, (await C.Delete($"/nodes/node1/tasks/{Uri.EscapeDataString(upid)}")).Status);
        Assert.Equal("migration aborted", await C.Wait(upid)); // I4: ended, with its error
        var log = await C.Log(upid);
        Assert.Contains(log, l => l.Contains("ERROR: migration aborted (duration") && l.EndsWith("received interrupt"));
        Assert.Equal(["node1"], Reality.NodesRunning(_server.DataDir, vmid, "node1", "node2", "node3")); // I1: one copy, the source's
        var cfg = await C.Get($"/nodes/node1/qemu/{vmid}/config"); // I2, I3: the record on the source, unlocked
        Assert.Equal(HttpStatusCode.OK, cfg.Status);
        Assert.Null(cfg.Data!["lock"]);
        Assert.Equal("running", (await C.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!["status"]!.GetValue<string>());
    }
}

using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary>
/// A NIC on a bridge the node lacks fails the start with Proxmox's text (pve-bridge's "bridge 'vmbr9' does not exist"),
/// and the VM stays as it was. The simulated nodes have vmbr0 and the bridges of AM_SIM_BRIDGES.
/// </summary>
public sealed class BridgeStartApiTests : IAsyncLifetime
{
    private InProcessServer _server = null!;
    private PveClient C => _server.Client;

    public async Task InitializeAsync() =>
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["AM_SIM_BRIDGES"] = "vmbr1,vmbr2" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonObject> Config(int vmid) => (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!.AsObject();

    private async Task<string> Status(int vmid) => (await C.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!["status"]!.GetValue<string>();

    [Fact]
    public async Task A_nic_on_a_missing_bridge_fails_the_start_with_proxmoxs_text_and_changes_nothing()
    {
        const int vmid = 130;
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", $"{vmid}"), ("memory", "512"),
            ("net0", "virtio=BC:24:11:00:01:30,bridge=vmbr0"), ("net1", "e1000=BC:24:11:00:01:31,bridge=vmbr9,tag=5")))));
        var before = (await Config(vmid)).ToJsonString();

        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"));
        Assert.Equal("bridge 'vmbr9' does not exist", await C.Wait(upid));
        Assert.Equal("stopped", await Status(vmid));
        Assert.Equal(before, (await Config(vmid)).ToJsonString());

        // The bridges of AM_SIM_BRIDGES exist (VLAN aware: a tag is fine).
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/config", ("net1", "e1000=BC:24:11:00:01:31,bridge=vmbr2,tag=5")))));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        Assert.Equal("running", await Status(vmid));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/stop"))));
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary>
/// A NIC gets its MAC, with the configured prefix (Proxmox's mac_prefix), when it is written; a start never makes
/// a new one. The member here has a non-default prefix, so a MAC made anywhere else would show.
/// </summary>
public sealed class NicMacApiTests : IAsyncLifetime
{
    private const string Prefix = "02:AB:CD";
    private InProcessServer _server = null!;
    private PveClient C => _server.Client;

    public async Task InitializeAsync() =>
        _server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["AM_MAC_PREFIX"] = Prefix, ["AM_SIM_BRIDGES"] = "vmbr1" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonObject> Config(int vmid) => (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!.AsObject();

    /// <summary>The MACs the simulated QEMU process was started with, in NIC order.</summary>
    private List<string?> StartedMacs(int vmid)
    {
        var file = Path.Combine(_server.DataDir, "run", "node1", "sim", "vms", $"{vmid}.json");
        return JsonNode.Parse(File.ReadAllText(file))!["macs"]!.AsArray().Select(m => m?.GetValue<string>()).ToList();
    }

    private async Task Run(string path, params (string, string)[] form) => Assert.Equal("OK", await C.Wait(await C.Upid(C.Post(path, form))));

    [Fact]
    public async Task A_nic_added_by_a_config_edit_is_stored_with_a_prefixed_mac_that_stays_across_starts()
    {
        const int vmid = 120;
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", $"{vmid}"), ("memory", "512"),
            ("net0", "e1000,bridge=vmbr0")))));
        // PUT (synchronous) and POST (a qmconfig task) both write the MAC, as qemu-server's parse_net does.
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("net1", "virtio,bridge=vmbr0"))).Status);
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/config", ("net2", "virtio,bridge=vmbr1")))));

        var cfg = await Config(vmid);
        Assert.Matches("^e1000=02:AB:CD(:[0-9A-F]{2}){3},bridge=vmbr0$", cfg["net0"]!.GetValue<string>());
        Assert.Matches("^virtio=02:AB:CD(:[0-9A-F]{2}){3},bridge=vmbr0$", cfg["net1"]!.GetValue<string>());
        Assert.Matches("^virtio=02:AB:CD(:[0-9A-F]{2}){3},bridge=vmbr1$", cfg["net2"]!.GetValue<string>());
        var stored = new[] { "net0", "net1", "net2" }.Select(k => cfg[k]!.GetValue<string>().Split(',')[0].Split('=')[1]).ToList();
        Assert.Equal(3, stored.Distinct().Count());

        await Run($"/nodes/node1/qemu/{vmid}/status/start");
        Assert.Equal<string?>(stored, StartedMacs(vmid));
        await Run($"/nodes/node1/qemu/{vmid}/status/stop");
        await Run($"/nodes/node1/qemu/{vmid}/status/start");
        Assert.Equal<string?>(stored, StartedMacs(vmid));
        Assert.Equal(cfg.ToJsonString(), (await Config(vmid)).ToJsonString());
        await Run($"/nodes/node1/qemu/{vmid}/status/stop");
    }

    [Fact]
    public async Task A_clone_gets_new_macs_with_the_configured_prefix()
    {
        const int vmid = 121;
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", $"{vmid}"), ("memory", "512"),
            ("net0", "virtio=BC:24:11:00:00:01,bridge=vmbr0")))));
        await Run($"/nodes/node1/qemu/{vmid}/clone", ("newid", "122"));
        Assert.Matches("^virtio=02:AB:CD(:[0-9A-F]{2}){3},bridge=vmbr0$", (await Config(122))["net0"]!.GetValue<string>());
    }
}

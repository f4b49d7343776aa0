using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>The guest agent endpoints (simulated agent) and unlink: shapes, Proxmox's refusals, hostile input.</summary>
[Collection(ValidationCollection.Name)]
public sealed class AgentUnlinkApiTests(ValidationFixture f)
{
    private PveClient C => f.Client;
    private WireClient W => f.Api;

    private async Task Power(int vm, string action, string node = "node1")
    {
        var upid = await C.Upid(C.Post($"/nodes/{node}/qemu/{vm}/status/{action}"));
        Assert.Equal("OK", await C.Wait(upid));
    }

    [Fact]
    public async Task The_agent_answers_in_proxmoxs_shape_only_when_configured_running_and_not_paused()
    {
        var plain = $"/nodes/node1/qemu/{ValidationFixture.Vm}/agent";
        Expect.Refused(await W.Get($"{plain}/network-get-interfaces"), "No QEMU guest agent configured");
        var index = (await C.Get(plain)).Data!.AsArray().Select(x => x!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["network-get-interfaces", "ping"], index);

        var vm = await f.ScratchVm(("agent", "1"), ("net0", "virtio=BC:24:11:00:00:01,bridge=vmbr0"));
        var path = $"/nodes/node1/qemu/{vm}/agent";
        Expect.Refused(await W.Get($"{path}/network-get-interfaces"), $"VM {vm} is not running");
        await Power(vm, "start");
        try
        {
            var r = await C.Get($"{path}/network-get-interfaces");
            Assert.Equal(HttpStatusCode.OK, r.Status);
            var ifaces = r.Data!["result"]!.AsArray();
            Assert.Equal(["lo", "eth0"], ifaces.Select(i => i!["name"]!.GetValue<string>()));
            var eth0 = ifaces[1]!;
            Assert.Equal("bc:24:11:00:00:01", eth0["hardware-address"]!.GetValue<string>());
            var addr = eth0["ip-addresses"]![0]!;
            Assert.Equal("ipv4", addr["ip-address-type"]!.GetValue<string>());
            Assert.IsType<int>(addr["prefix"]!.GetValue<int>());
            Assert.Equal("{}", (await C.Post($"{path}/ping")).Data!["result"]!.ToJsonString());
            Assert.Equal("{}", (await C.Post(path, ("command", "ping"))).Data!["result"]!.ToJsonString());

            // A paused guest's agent does not answer, as a real one.
            await Power(vm, "suspend");
            Expect.Refused(await W.Get($"{path}/network-get-interfaces"), "QEMU guest agent is not running");
        }
        finally
        {
            await Power(vm, "stop");
        }
    }

    [Fact]
    public async Task Hostile_agent_requests_are_refused_and_nothing_changes()
    {
        var path = $"/nodes/node1/qemu/{ValidationFixture.Vm}/agent";
        Expect.ParamErrorStartsWith(await f.Unchanged(() => W.Post(path, ("command", "exec"))), "command",
            "value 'exec' does not have a value in the enumeration");
        Expect.ParamError(await f.Unchanged(() => W.Post(path)), "command", "property is missing and it is not optional");
        Expect.Refused(await f.Unchanged(() => W.Get("/nodes/node1/qemu/98765/agent/network-get-interfaces")),
            "Configuration file 'nodes/node1/qemu-server/98765.conf' does not exist");
    }

    private async Task<JsonNode> Config(int vm) => (await C.Get($"/nodes/node1/qemu/{vm}/config")).Data!;

    private string VolumeFile(int vm, int disk) =>
        Path.Combine(f.Server.DataDir, "nodes", "node1", "local", "images", vm.ToString(), $"vm-{vm}-disk-{disk}.qcow2");

    [Fact]
    public async Task Unlink_makes_a_disk_unused_frees_an_unused_one_and_with_force_frees_at_once()
    {
        var vm = await f.ScratchVm(("scsi0", "local:1"), ("scsi1", "local:1"));
        Assert.True(File.Exists(VolumeFile(vm, 1)));
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vm}/unlink", ("idlist", "scsi1"))).Status);
        var cfg = await Config(vm);
        Assert.Null(cfg["scsi1"]);
        Assert.Equal($"local:{vm}/vm-{vm}-disk-1.qcow2", cfg["unused0"]!.GetValue<string>());
        Assert.True(File.Exists(VolumeFile(vm, 1)));

        var r = await C.Put($"/nodes/node1/qemu/{vm}/unlink", ("idlist", "unused0"));
        Assert.Equal((HttpStatusCode.OK, "null"), (r.Status, r.Json!["data"]?.ToJsonString() ?? "null"));
        Assert.Null((await Config(vm))["unused0"]);
        Assert.False(File.Exists(VolumeFile(vm, 1)));

        await C.Put($"/nodes/node1/qemu/{vm}/unlink", ("idlist", "scsi0"), ("force", "1"));
        cfg = await Config(vm);
        Assert.Null(cfg["scsi0"]);
        Assert.Null(cfg["unused0"]);
        Assert.False(File.Exists(VolumeFile(vm, 0)));
        // Keys that are not set: nothing to do.
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vm}/unlink", ("idlist", "scsi5"))).Status);
    }

    [Fact]
    public async Task Unlink_refuses_an_attached_disk_of_a_running_vm_and_hostile_input_and_nothing_changes()
    {
        var path = $"/nodes/node1/qemu/{ValidationFixture.Vm}/unlink";
        Expect.ParamError(await f.Unchanged(() => W.Put(path)), "idlist", "property is missing and it is not optional");
        Expect.ParamErrorStartsWith(await f.Unchanged(() => W.Put(path, ("idlist", "scsi0,../x"))), "idlist", "invalid format");
        Expect.ParamError(await f.Unchanged(() => W.Put(path, ("idlist", "bogus0"))), "delete", "unknown option 'bogus0'");
        Expect.ParamErrorStartsWith(await f.Unchanged(() => W.Put(path, ("idlist", "scsi0"), ("force", "2"))), "force", "type check");

        var vm = await f.ScratchVm(("scsi0", "local:1"));
        await Power(vm, "start");
        try
        {
            var before = await Config(vm);
            Expect.Refused(await W.Put($"/nodes/node1/qemu/{vm}/unlink", ("idlist", "scsi0")),
                "cannot unlink 'scsi0' of a running VM: hot-unplug is not supported");
            Assert.Equal(before.ToJsonString(), (await Config(vm)).ToJsonString());
        }
        finally
        {
            await Power(vm, "stop");
        }
    }
}

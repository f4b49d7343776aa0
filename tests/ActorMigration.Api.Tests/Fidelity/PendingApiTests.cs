using System.Net;
using System.Text.Json.Nodes;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary>
/// Pending changes on the simulated driver, with the requests proxmoxer and Ansible send: a running VM's edit waits in
/// [PENDING] (fast-plug keys and hot-pluggable disks apply at once), GET …/pending lists it, revert drops it, the next
/// start applies it.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class PendingApiTests(ValidationFixture f)
{
    private PveClient C => f.Client;

    private async Task<JsonObject> Config(int vmid, bool current = false) =>
        (await C.Get($"/nodes/node1/qemu/{vmid}/config", current ? [("current", "1")] : [])).Data!.AsObject();

    private async Task<Dictionary<string, JsonObject>> Pending(int vmid)
    {
        var r = await C.Get($"/nodes/node1/qemu/{vmid}/pending");
        Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
        return r.Data!.AsArray().Select(i => i!.AsObject()).ToDictionary(i => i["key"]!.GetValue<string>());
    }

    private async Task Run(string path, params (string, string)[] form) => Assert.Equal("OK", await C.Wait(await C.Upid(C.Post(path, form))));

    private async Task<int> RunningVm(params (string, string)[] options)
    {
        var vmid = await f.ScratchVm([("scsi0", "local:1"), ("net0", "virtio,bridge=vmbr0"), .. options]);
        await Run($"/nodes/node1/qemu/{vmid}/status/start");
        return vmid;
    }

    private JsonNode SimVm(int vmid) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(f.Server.DataDir, "run", "node1", "sim", "vms", $"{vmid}.json")))!;

    [Fact]
    public async Task Proxmoxers_vmgenid_and_memory_on_a_running_vm_stay_pending_until_the_next_start()
    {
        var vmid = await RunningVm();
        var genid = (await Config(vmid, current: true))["vmgenid"]!.GetValue<string>();
        // vmgenid is root-only (a token is not root@pam), as in Proxmox.
        var root = await f.Server.RootSession();
        var put = await root.Put($"/nodes/node1/qemu/{vmid}/config", ("vmgenid", "1"), ("memory", "1024"), ("name", "renamed"), ("tags", "b,a a"));
        Assert.True(put.Status == HttpStatusCode.OK, put.ToString());

        var current = await Config(vmid, current: true);
        Assert.Equal(genid, current["vmgenid"]!.GetValue<string>());
        Assert.Equal("512", current["memory"]!.GetValue<string>());
        Assert.Equal("renamed", current["name"]!.GetValue<string>());
        Assert.Equal("a;b", current["tags"]!.GetValue<string>());
        // Without current=1 the pending values show, as in Proxmox.
        var shown = await Config(vmid);
        Assert.Equal("1024", shown["memory"]!.GetValue<string>());
        Assert.NotEqual(genid, shown["vmgenid"]!.GetValue<string>());

        var pending = await Pending(vmid);
        Assert.Equal("512", pending["memory"]["value"]!.GetValue<string>());
        Assert.Equal("1024", pending["memory"]["pending"]!.GetValue<string>());
        Assert.Equal(genid, pending["vmgenid"]["value"]!.GetValue<string>());
        Assert.NotNull(pending["vmgenid"]["pending"]);
        Assert.Null(pending["name"]["pending"]);
        Assert.Equal(512, SimVm(vmid)["memoryMiB"]!.GetValue<int>());

        await Run($"/nodes/node1/qemu/{vmid}/status/stop");
        await Run($"/nodes/node1/qemu/{vmid}/status/start");
        Assert.Equal(1024, SimVm(vmid)["memoryMiB"]!.GetValue<int>());
        Assert.Equal(shown["vmgenid"]!.GetValue<string>(), (await Config(vmid, current: true))["vmgenid"]!.GetValue<string>());
        Assert.DoesNotContain((await Pending(vmid)).Values, i => i["pending"] is not null || i["delete"] is not null);
        await Run($"/nodes/node1/qemu/{vmid}/status/stop");
    }

    [Fact]
    public async Task Revert_drops_a_pending_value_and_a_pending_delete_and_delete_force_is_listed_as_2()
    {
        var vmid = await RunningVm(("cores", "1"), ("balloon", "256"), ("ostype", "l26"));
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("cores", "2"), ("delete", "balloon"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("delete", "ostype"), ("force", "1"))).Status);
        var pending = await Pending(vmid);
        Assert.Equal(2, pending["cores"]["pending"]!.GetValue<long>());
        Assert.Equal(1, pending["balloon"]["delete"]!.GetValue<int>());
        Assert.Equal(2, pending["ostype"]["delete"]!.GetValue<int>());
        Assert.Null((await Config(vmid))["balloon"]);

        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("revert", "cores,balloon"))).Status);
        pending = await Pending(vmid);
        Assert.Null(pending["cores"]["pending"]);
        Assert.Null(pending["balloon"]["delete"]);
        Assert.Equal(2, pending["ostype"]["delete"]!.GetValue<int>());
        // A task (POST) reverts the same way.
        await Run($"/nodes/node1/qemu/{vmid}/config", ("revert", "ostype"));
        Assert.DoesNotContain((await Pending(vmid)).Values, i => i["pending"] is not null || i["delete"] is not null);
        await Run($"/nodes/node1/qemu/{vmid}/status/stop");
    }

    [Theory]
    [InlineData("cores", "2", "cores", "delete", "you can't use '-cores' and -revert cores' at the same time")]
    [InlineData("delete", "cores", "cores", "revert", "you can't use '-delete cores' and -revert cores' at the same time")]
    [InlineData("name", "x", "nosuchkey", "revert", "unknown option 'nosuchkey'")]
    public async Task Revert_conflicts_use_proxmoxs_texts_and_change_nothing(string key, string value, string revert, string param, string message)
    {
        var r = await f.Unchanged(() => f.Api.Put($"/nodes/node1/qemu/{ValidationFixture.Vm}/config", (key, value), ("revert", revert)));
        Expect.ParamError(r, param, message);
    }

    [Theory]
    [InlineData("tags", "a/b", "invalid format - invalid characters in tag\n")]
    [InlineData("tags", "ok;-lead", "invalid format - invalid characters in tag\n")]
    [InlineData("hotplug", "disk,gpu", "invalid format - invalid hotplug feature 'gpu'\n")]
    public async Task Bad_tags_and_hotplug_values_are_parameter_errors_that_change_nothing(string key, string value, string message)
    {
        var r = await f.Unchanged(() => f.Api.Put($"/nodes/node1/qemu/{ValidationFixture.Vm}/config", (key, value)));
        Expect.ParamError(r, key, message);
    }

    [Fact]
    public async Task Tags_are_normalized_at_create_and_edit()
    {
        var vmid = await f.ScratchVm(("tags", "web db,web;Alpha"));
        Assert.Equal("Alpha;db;web", (await Config(vmid))["tags"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("tags", "z y z"))).Status);
        Assert.Equal("y;z", (await Config(vmid))["tags"]!.GetValue<string>());
    }

    /// <summary>
    /// proxmox_disk: POST …/config scsi1=local:8,format=qcow2 and a wait on the task; proxmox_nic: PUT net1 twice (hot-plugged
    /// the first time, as hotplug's default has network).
    /// </summary>
    [Fact]
    public async Task Ansibles_disk_and_nic_edits_work_on_a_running_vm_and_a_second_run_changes_nothing()
    {
        var vmid = await RunningVm();
        await Run($"/nodes/node1/qemu/{vmid}/config", ("scsi1", "local:1,format=qcow2"));
        await Run($"/nodes/node1/qemu/{vmid}/config", ("sata1", "local:1"));
        var cfg = await Config(vmid, current: true);
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2,size=1G", cfg["scsi1"]!.GetValue<string>());
        Assert.Null(cfg["sata1"]);
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-2.qcow2,size=1G", (await Pending(vmid))["sata1"]["pending"]!.GetValue<string>());
        Assert.Contains(SimVm(vmid)["disks"]!.AsArray(), d => d!["drive"]!.GetValue<string>() == "scsi1");

        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("net1", "virtio,bridge=vmbr0"))).Status);
        // hotplug's default has network: the new NIC is in the config at once and plugged into the running VM.
        var net1 = (await Config(vmid, current: true))["net1"]!.GetValue<string>();
        Assert.Matches("^virtio=([0-9A-F]{2}:){5}[0-9A-F]{2},bridge=vmbr0$", net1);
        var mac = net1.Split(',')[0].Split('=')[1];
        Assert.Equal(["net0", "net1"], SimVm(vmid)["nics"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(mac, SimVm(vmid)["macs"]!.AsArray()[1]!.GetValue<string>());
        // proxmox_nic's second run: the MAC it read back, the same options: nothing changes, nothing is plugged again.
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("net1", net1))).Status);
        Assert.Equal(2, SimVm(vmid)["nics"]!.AsArray().Count);
        Assert.Null((await Pending(vmid))["net1"]["pending"]);
        // A changed NIC waits for the next start (no live NIC option change).
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("net1", $"virtio={mac},bridge=vmbr0,firewall=1"))).Status);
        Assert.Equal($"virtio={mac},bridge=vmbr0,firewall=1", (await Pending(vmid))["net1"]["pending"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await C.Put($"/nodes/node1/qemu/{vmid}/config", ("revert", "net1"))).Status);

        await Run($"/nodes/node1/qemu/{vmid}/status/stop");
        await Run($"/nodes/node1/qemu/{vmid}/status/start");
        cfg = await Config(vmid, current: true);
        Assert.Equal(net1, cfg["net1"]!.GetValue<string>());
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-2.qcow2,size=1G", cfg["sata1"]!.GetValue<string>());
        Assert.Equal(2, SimVm(vmid)["macs"]!.AsArray().Count);
        await Run($"/nodes/node1/qemu/{vmid}/status/stop");
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Ha;

/// <summary>
/// HA and the VM endpoints: <c>ha-managed=1</c> at create, the <c>ha</c> field of status/current, <c>hastate</c> in
/// /cluster/resources, destroy with and without <c>purge</c>, and /cluster/ha/status/current.
/// </summary>
public sealed class HaVmApiTests(HaApiFixture f) : IClassFixture<HaApiFixture>
{
    private Task<PveClient.Response> Create(int vmid, params (string, string)[] options) =>
        f.Client.Post("/nodes/node1/qemu", [("vmid", vmid.ToString()), ("memory", "512"), .. options]);

    private async Task<JsonNode> Ha(int vmid) => (await f.Client.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!["ha"]!;

    private async Task<JsonNode?> Resource(int vmid) =>
        (await f.Client.Get("/cluster/ha/resources")).Data!.AsArray().FirstOrDefault(r => r!["sid"]!.GetValue<string>() == $"vm:{vmid}");

    [Fact]
    public async Task Ha_managed_at_create_adds_the_resource_once_the_vm_exists_and_its_status_reports_it()
    {
        var vmid = f.NextVmId();
        var upid = await f.Client.Upid(Create(vmid, ("scsi0", "shared:1"), ("efidisk0", "shared:1"), ("ha-managed", "1")));
        Assert.Equal("OK", await f.Client.Wait(upid));
        await PveClient.Eventually(async () => await Resource(vmid) is not null, TimeSpan.FromSeconds(10), "resource added");
        // Proxmox adds it stopped when the VM is not started at create.
        Assert.Equal("stopped", (await Resource(vmid))!["state"]!.GetValue<string>());
        Assert.Equal("{\"managed\":1,\"state\":\"stopped\"}", (await Ha(vmid)).ToJsonString());
        var listed = (await f.Client.Get("/cluster/resources", ("type", "vm"))).Data!.AsArray();
        Assert.Equal("stopped", listed.Single(v => v!["vmid"]!.GetValue<int>() == vmid)!["hastate"]!.GetValue<string>());
        Assert.False(listed.Single(v => v!["vmid"]!.GetValue<int>() == 100)!.AsObject().ContainsKey("hastate"));
        Assert.Equal("{\"managed\":0}", (await Ha(100)).ToJsonString());

        // An ignored resource is not managed (Proxmox's service_check_ha_state).
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Put($"/cluster/ha/resources/vm:{vmid}", ("state", "ignored"))).Status);
        Assert.Equal("{\"managed\":0}", (await Ha(vmid)).ToJsonString());
    }

    [Fact]
    public async Task Ha_managed_with_a_local_disk_is_refused_up_front_and_nothing_is_made()
    {
        var vmid = f.NextVmId();
        var r = await f.HaUnchanged(() => Create(vmid, ("scsi0", "shared:1"), ("scsi1", "local:1"), ("ha-managed", "1")));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal($"VM {vmid} cannot be HA-managed: disk scsi1 is on storage 'local', which is not shared", r.Reason);
        Assert.False((await f.Client.Get($"/nodes/node1/qemu/{vmid}/config")).Status == HttpStatusCode.OK);
        // ha-managed needs Sys.Console on / (Proxmox's create_vm), checked before anything else.
        var vmAdmin = await f.Server.UserSession("havmadmin@pve", ($"/vms/{vmid}", "PVEVMAdmin"), ("/storage/shared", "PVEDatastoreUser"));
        var denied = await f.HaUnchanged(() => vmAdmin.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"),
            ("scsi0", "shared:1"), ("ha-managed", "1")));
        Assert.Equal("Permission check failed (/, Sys.Console)", denied.Reason);
    }

    [Fact]
    public async Task Ha_managed_with_start_adds_a_started_resource_and_a_restore_with_it_is_refused()
    {
        var vmid = f.NextVmId();
        var upid = await f.Client.Upid(Create(vmid, ("scsi0", "shared:1"), ("ha-managed", "1"), ("start", "1")));
        Assert.Equal("OK", await f.Client.Wait(upid));
        await PveClient.Eventually(async () => await Resource(vmid) is not null, TimeSpan.FromSeconds(10), "resource added");
        Assert.Equal("started", (await Resource(vmid))!["state"]!.GetValue<string>());
        Assert.Equal("{\"managed\":1,\"state\":\"started\"}", (await Ha(vmid)).ToJsonString());
        var restore = await f.HaUnchanged(() => Create(f.NextVmId(), ("archive", "local:backup/vzdump-qemu-100.tar"), ("ha-managed", "1")));
        Assert.Equal(HttpStatusCode.BadRequest, restore.Status);
        Assert.StartsWith("not supported with 'archive'", restore.Errors!["ha-managed"]!.GetValue<string>());
    }

    [Fact]
    public async Task Destroying_an_ha_vm_needs_purge_which_removes_the_resource()
    {
        var vmid = await f.ScratchVm(("scsi0", "shared:1"));
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post("/cluster/ha/resources", ("sid", $"vm:{vmid}"), ("state", "stopped"))).Status);
        var refused = await f.HaUnchanged(() => f.Client.Delete($"/nodes/node1/qemu/{vmid}"));
        Assert.Equal(HttpStatusCode.InternalServerError, refused.Status);
        Assert.Equal($"unable to remove VM {vmid} - used in HA resources and purge parameter not set.", refused.Reason);
        Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Delete($"/nodes/node1/qemu/{vmid}", ("purge", "1")))));
        await PveClient.Eventually(async () => await Resource(vmid) is null, TimeSpan.FromSeconds(10), "resource removed with the VM");
    }

    [Fact]
    public async Task The_ha_status_has_quorum_master_one_lrm_per_node_and_one_entry_per_service()
    {
        var vmid = await f.ScratchVm(("scsi0", "shared:1"));
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post("/cluster/ha/resources", ("sid", $"vm:{vmid}"), ("max_relocate", "2"))).Status);
        var status = (await f.Client.Get("/cluster/ha/status/current")).Data!.AsArray().Select(e => e!.AsObject()).ToList();
        var quorum = status.Single(e => e["id"]!.GetValue<string>() == "quorum");
        Assert.Equal(("OK", 1), (quorum["status"]!.GetValue<string>(), quorum["quorate"]!.GetValue<int>()));
        var master = status.Single(e => e["id"]!.GetValue<string>() == "master");
        Assert.Equal("node1", master["node"]!.GetValue<string>());
        Assert.StartsWith("node1 (active, ", master["status"]!.GetValue<string>());
        Assert.Equal(["lrm:node1", "lrm:node2", "lrm:node3"],
            status.Where(e => e["type"]!.GetValue<string>() == "lrm").Select(e => e["id"]!.GetValue<string>()));
        Assert.StartsWith("node1 (active, ", status.Single(e => e["id"]!.GetValue<string>() == "lrm:node1")["status"]!.GetValue<string>());
        Assert.StartsWith("node2 (idle, ", status.Single(e => e["id"]!.GetValue<string>() == "lrm:node2")["status"]!.GetValue<string>());
        var service = status.Single(e => e["id"]!.GetValue<string>() == $"service:vm:{vmid}");
        // Requested started, the VM is stopped: Proxmox shows it starting (the HA manager will start it).
        Assert.Equal(($"vm:{vmid}", "node1", "stopped", "starting", "started", 1, 2, $"vm:{vmid} (node1, starting)"),
            (service["sid"]!.GetValue<string>(), service["node"]!.GetValue<string>(), service["crm_state"]!.GetValue<string>(),
                service["state"]!.GetValue<string>(), service["request_state"]!.GetValue<string>(), service["max_restart"]!.GetValue<int>(),
                service["max_relocate"]!.GetValue<int>(), service["status"]!.GetValue<string>()));
        Assert.Equal("[{\"name\":\"current\"},{\"name\":\"manager_status\"}]", (await f.Client.Get("/cluster/ha/status")).Data!.ToJsonString());
        var manager = (await f.Client.Get("/cluster/ha/status/manager_status")).Data!;
        Assert.Equal("node1", manager["manager_status"]!["master_node"]!.GetValue<string>());
        Assert.Equal("stopped", manager["manager_status"]!["service_status"]![$"vm:{vmid}"]!["state"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Delete($"/cluster/ha/resources/vm:{vmid}")).Status);
    }
}

using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>
/// The answer shapes of the VM routes, walked through a VM's life on the simulated driver: each answer's <c>data</c>
/// has the fields and types Proxmox's return schema gives (qemu-server PVE/API2/Qemu.pm, pve-manager's task API).
/// </summary>
public sealed class VmShapeTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private const string TaskShape = "{upid:str, node:str, pid:int, pstart:int, starttime:int, type:str, id:str, user:str, status:str?, endtime:int?}";
    private const string Index = "[{}]";

    private PveClient C => f.Client;

    private async Task Ok(PveClient.Response r) => Assert.Equal("OK", await C.Wait(r.Data!.GetValue<string>()));

    [Fact]
    [Covers("POST /nodes/{node}/qemu", "GET /nodes/{node}/qemu", "GET /nodes/{node}/qemu/{vmid}", "GET /nodes/{node}/qemu/{vmid}/config",
        "PUT /nodes/{node}/qemu/{vmid}/config", "POST /nodes/{node}/qemu/{vmid}/config", "PUT /nodes/{node}/qemu/{vmid}/resize",
        "GET /nodes/{node}/qemu/{vmid}/status", "GET /nodes/{node}/qemu/{vmid}/status/current", "POST /nodes/{node}/qemu/{vmid}/status/start",
        "POST /nodes/{node}/qemu/{vmid}/status/shutdown", "POST /nodes/{node}/qemu/{vmid}/status/stop", "GET /nodes/{node}/qemu/{vmid}/migrate",
        "POST /nodes/{node}/qemu/{vmid}/migrate", "POST /nodes/{node}/qemu/{vmid}/clone", "POST /nodes/{node}/qemu/{vmid}/template",
        "DELETE /nodes/{node}/qemu/{vmid}")]
    public async Task Vm_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(C);
        var vmid = f.NextVmId();
        var node = "/nodes/node1/qemu";
        var vm = $"{node}/{vmid}";
        await Ok(await s.Check("POST", "/nodes/{node}/qemu", node, "upid", ("vmid", vmid.ToString()), ("scsi0", "local:1,format=qcow2"),
            ("memory", "512"), ("net0", "virtio,bridge=vmbr0")));
        await s.Get("/nodes/{node}/qemu", node,
            "[{vmid:int, status:str, name:str?, maxmem:int?, maxdisk:int?, cpus:num?, mem:int?, disk:int?, uptime:int?, cpu:num?, template:bool?, "
            + "lock:str?, tags:str?}]");
        await s.Get("/nodes/{node}/qemu/{vmid}", vm, Index);
        await s.Get("/nodes/{node}/qemu/{vmid}/config", $"{vm}/config", "{digest:str, memory:str|int, scsi0:str, net0:str, smbios1:str?, vmgenid:str?}");
        await s.Check("PUT", "/nodes/{node}/qemu/{vmid}/config", $"{vm}/config", "null", ("name", "shape"));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/config", $"{vm}/config", "upid", ("cores", "2")));
        await s.Check("PUT", "/nodes/{node}/qemu/{vmid}/resize", $"{vm}/resize", "upid|null", ("disk", "scsi0"), ("size", "+1G"));
        await s.Get("/nodes/{node}/qemu/{vmid}/status", $"{vm}/status", Index);
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/status/start", $"{vm}/status/start", "upid"));
        await s.Get("/nodes/{node}/qemu/{vmid}/status/current", $"{vm}/status/current",
            "{vmid:int, status:str, qmpstatus:str?, name:str?, uptime:int?, cpus:num?, maxmem:int?, mem:int?, maxdisk:int?, pid:int?, ha:{managed:bool}}");
        await s.Get("/nodes/{node}/qemu/{vmid}/migrate", $"{vm}/migrate",
            "{running:bool|int, allowed_nodes:[str]?, not_allowed_nodes:{*:any}|[any]?, local_disks:[{volid:str, size:int?}], local_resources:[any]}");
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/migrate", $"{vm}/migrate", "upid", ("target", "node2"), ("online", "1"),
            ("with-local-disks", "1")));
        var moved = $"/nodes/node2/qemu/{vmid}";
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/status/shutdown", $"{moved}/status/shutdown", "upid", ("forceStop", "1")));
        await Ok(await C.Post($"{moved}/status/start"));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/status/stop", $"{moved}/status/stop", "upid"));
        var copy = f.NextVmId();
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/clone", $"{moved}/clone", "upid", ("newid", copy.ToString()), ("full", "1")));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/template", $"/nodes/node2/qemu/{copy}/template", "upid|null"));
        await Ok(await s.Check("DELETE", "/nodes/{node}/qemu/{vmid}", $"/nodes/node2/qemu/{copy}", "upid"));
        s.AssertAllChecked(this);
    }

    [Fact]
    [Covers("GET /nodes/{node}/qemu/{vmid}/snapshot", "POST /nodes/{node}/qemu/{vmid}/snapshot", "GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}",
        "GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config", "POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback",
        "DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}", "POST /nodes/{node}/vzdump", "GET /nodes/{node}/tasks",
        "GET /nodes/{node}/tasks/{upid}", "GET /nodes/{node}/tasks/{upid}/status", "GET /nodes/{node}/tasks/{upid}/log",
        "DELETE /nodes/{node}/tasks/{upid}")]
    public async Task Snapshot_backup_and_task_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(C);
        var vmid = f.NextVmId();
        var vm = $"/nodes/node1/qemu/{vmid}";
        await Ok(await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "local:1,format=qcow2")));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/snapshot", $"{vm}/snapshot", "upid", ("snapname", "s1"), ("description", "d")));
        await s.Get("/nodes/{node}/qemu/{vmid}/snapshot", $"{vm}/snapshot",
            "[{name:str, description:str?, snaptime:int?, parent:str?, vmstate:bool?, running:bool?}]");
        await s.Get("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}", $"{vm}/snapshot/s1", Index);
        await s.Get("/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config", $"{vm}/snapshot/s1/config", "{scsi0:str, snaptime:int?, description:str?}");
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback", $"{vm}/snapshot/s1/rollback", "upid"));
        await Ok(await s.Check("DELETE", "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}", $"{vm}/snapshot/s1", "upid"));
        var dump = await s.Check("POST", "/nodes/{node}/vzdump", "/nodes/node1/vzdump", "upid", ("vmid", vmid.ToString()), ("storage", "local"));
        await Ok(dump);
        var upid = Uri.EscapeDataString(dump.Data!.GetValue<string>());
        await s.Get("/nodes/{node}/tasks", "/nodes/node1/tasks", $"[{TaskShape}]");
        await s.Get("/nodes/{node}/tasks/{upid}", $"/nodes/node1/tasks/{upid}", Index);
        await s.Get("/nodes/{node}/tasks/{upid}/status", $"/nodes/node1/tasks/{upid}/status", TaskShape.Replace("}", ", exitstatus:str}"));
        await s.Get("/nodes/{node}/tasks/{upid}/log", $"/nodes/node1/tasks/{upid}/log", "[{n:int, t:str}]");
        await s.Check("DELETE", "/nodes/{node}/tasks/{upid}", $"/nodes/node1/tasks/{upid}", "null");
        s.AssertAllChecked(this);
    }

    [Fact]
    [Covers("POST /nodes/{node}/qemu/{vmid}/move_disk", "POST /nodes/{node}/qemu/{vmid}/move-disk")]
    public async Task Move_disk_answers_a_upid_under_both_names()
    {
        var s = new RouteShapes(C);
        var vmid = f.NextVmId();
        var vm = $"/nodes/node1/qemu/{vmid}";
        await Ok(await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "local:1,format=qcow2")));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/move_disk", $"{vm}/move_disk", "upid", ("disk", "scsi0"), ("storage", "shared")));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/move-disk", $"{vm}/move-disk", "upid", ("disk", "scsi0"), ("storage", "local"),
            ("delete", "1")));
        s.AssertAllChecked(this);
    }

    [Fact]
    [Covers("POST /nodes/{node}/qemu/{vmid}/status/suspend", "POST /nodes/{node}/qemu/{vmid}/status/resume", "POST /nodes/{node}/qemu/{vmid}/status/reset",
        "POST /nodes/{node}/qemu/{vmid}/status/reboot", "GET /nodes/{node}/qemu/{vmid}/agent", "POST /nodes/{node}/qemu/{vmid}/agent",
        "POST /nodes/{node}/qemu/{vmid}/agent/ping", "GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces",
        "GET /nodes/{node}/qemu/{vmid}/pending", "PUT /nodes/{node}/qemu/{vmid}/unlink")]
    public async Task Power_agent_pending_and_unlink_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(C);
        var vmid = f.NextVmId();
        var vm = $"/nodes/node1/qemu/{vmid}";
        await Ok(await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "local:1"), ("scsi1", "local:1"), ("agent", "1"),
            ("net0", "virtio,bridge=vmbr0"), ("start", "1")));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/status/suspend", $"{vm}/status/suspend", "upid"));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/status/resume", $"{vm}/status/resume", "upid"));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/status/reset", $"{vm}/status/reset", "upid"));
        await Ok(await s.Check("POST", "/nodes/{node}/qemu/{vmid}/status/reboot", $"{vm}/status/reboot", "upid"));
        await s.Get("/nodes/{node}/qemu/{vmid}/agent", $"{vm}/agent", "[{name:str}]");
        await s.Check("POST", "/nodes/{node}/qemu/{vmid}/agent", $"{vm}/agent", "{result:any}", ("command", "ping"));
        await s.Check("POST", "/nodes/{node}/qemu/{vmid}/agent/ping", $"{vm}/agent/ping", "{result:any}");
        await s.Get("/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces", $"{vm}/agent/network-get-interfaces",
            "{result:[{name:str, hardware-address:str?, ip-addresses:[{ip-address:str, ip-address-type:str, prefix:int}]?}]}");
        await C.Put($"{vm}/config", ("memory", "1024"));
        await s.Get("/nodes/{node}/qemu/{vmid}/pending", $"{vm}/pending", "[{key:str, value:str|int|num?, pending:str|int|num?, delete:int?}]");
        await Ok(await C.Post($"{vm}/status/stop"));
        await s.Check("PUT", "/nodes/{node}/qemu/{vmid}/unlink", $"{vm}/unlink", "null", ("idlist", "scsi1"));
        s.AssertAllChecked(this);
    }
}

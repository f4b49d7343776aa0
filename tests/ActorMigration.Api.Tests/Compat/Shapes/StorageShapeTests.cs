using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>
/// The answer shapes of the storage, pool and cluster task routes (pve-storage's PVE/API2/Storage/{Config,Status,Content}.pm,
/// pve-access-control's PVE/API2/Pool.pm, pve-manager's PVE/API2/Cluster.pm tasks).
/// </summary>
public sealed class StorageShapeTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private const string Space = "total:int, used:int, avail:int, active:bool, enabled:bool, shared:bool, content:str, type:str";

    [Fact]
    [Covers("GET /storage", "GET /storage/{storage}", "GET /nodes/{node}/storage", "GET /nodes/{node}/storage/{storage}",
        "GET /nodes/{node}/storage/{storage}/status", "GET /nodes/{node}/storage/{storage}/content",
        "GET /nodes/{node}/storage/{storage}/content/{*volume}", "DELETE /nodes/{node}/storage/{storage}/content/{*volume}", "GET /cluster/tasks")]
    public async Task Storage_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(f.Client);
        var vmid = f.NextVmId();
        Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "local:1")))));
        var dump = await f.Client.Upid(f.Client.Post("/nodes/node1/vzdump", ("vmid", vmid.ToString()), ("storage", "local")));
        Assert.Equal("OK", await f.Client.Wait(dump));

        await s.Get("/storage", "/storage", "[{storage:str, type:str, content:str, digest:str, shared:bool?, path:str?, nodes:str?, disable:bool?}]");
        await s.Get("/storage/{storage}", "/storage/local", "{storage:str, type:str, content:str, digest:str}");
        await s.Get("/nodes/{node}/storage", "/nodes/node1/storage", $"[{{storage:str, {Space}, used_fraction:num}}]");
        await s.Get("/nodes/{node}/storage/{storage}", "/nodes/node1/storage/local", "[{subdir:str}]");
        await s.Get("/nodes/{node}/storage/{storage}/status", "/nodes/node1/storage/local/status", $"{{{Space}}}");
        await s.Get("/nodes/{node}/storage/{storage}/content", "/nodes/node1/storage/local/content",
            "[{volid:str, content:str, format:str, size:int, vmid:int?, ctime:int, used:int?, subtype:str?}]", ("vmid", vmid.ToString()));
        var backups = await s.Get("/nodes/{node}/storage/{storage}/content", "/nodes/node1/storage/local/content",
            "[{volid:str, content:str, format:str, size:int, vmid:int, ctime:int, subtype:str}]", ("content", "backup"), ("vmid", vmid.ToString()));
        var volid = Assert.Single(backups.Data!.AsArray())!["volid"]!.GetValue<string>();
        var volume = $"/nodes/node1/storage/local/content/{Uri.EscapeDataString(volid)}";
        await s.Get("/nodes/{node}/storage/{storage}/content/{*volume}", volume, "{path:str, size:int, used:int, format:str}");
        await s.Check("DELETE", "/nodes/{node}/storage/{storage}/content/{*volume}", volume, "null|upid");
        await s.Get("/cluster/tasks", "/cluster/tasks",
            "[{upid:str, node:str, pid:int, pstart:int, starttime:int, type:str, id:str, user:str, endtime:int?, status:str?, saved:str?}]");
        s.AssertAllChecked(this);
    }

    [Fact]
    [Covers("GET /pools", "POST /pools", "GET /pools/{poolid}", "PUT /pools/{poolid}", "DELETE /pools/{poolid}")]
    public async Task Pool_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(f.Client);
        var vmid = f.NextVmId();
        await s.Check("POST", "/pools", "/pools", "null", ("poolid", "shapes"), ("comment", "c"));
        Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("pool", "shapes")))));
        await s.Get("/pools", "/pools", "[{poolid:str, comment:str?}]");
        await s.Get("/pools/{poolid}", "/pools/shapes", "{comment:str?, members:[{id:str, type:str, node:str?, vmid:int?}]}");
        await s.Check("PUT", "/pools/{poolid}", "/pools/shapes", "null", ("vms", vmid.ToString()), ("delete", "1"));
        await s.Check("DELETE", "/pools/{poolid}", "/pools/shapes", "null");
        s.AssertAllChecked(this);
    }
}

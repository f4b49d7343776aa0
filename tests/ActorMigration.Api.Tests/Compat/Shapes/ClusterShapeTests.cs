using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>The answer shapes of the node, cluster and rebalancer routes (pve-manager's PVE/API2/{Nodes,Cluster}.pm and ours).</summary>
public sealed class ClusterShapeTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private async Task<int> Vm(string node)
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/{node}/qemu", ("vmid", vmid.ToString()), ("scsi0", "local:1")))));
        return vmid;
    }

    [Fact]
    [Covers("GET /version", "GET /nodes", "GET /nodes/{node}", "GET /nodes/{node}/status", "GET /cluster/resources", "GET /cluster/nextid",
        "GET /cluster/status", "GET /cluster/options", "PUT /cluster/options", "GET /cluster/migrations", "GET /metrics")]
    public async Task Node_and_cluster_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(C);
        await Vm("node1");
        await s.Get("/version", "/version", "{version:str, release:str, repoid:str}");
        await s.Get("/nodes", "/nodes", "[{node:str, status:str, cpu:num?, maxcpu:int?, mem:int?, maxmem:int?, uptime:int?, level:str?, id:str?, type:str?}]");
        await s.Get("/nodes/{node}", "/nodes/node1", "[{}]");
        await s.Get("/nodes/{node}/status", "/nodes/node1/status",
            "{uptime:int, cpu:num, memory:{total:int, used:int, free:int}, pveversion:str, kversion:str, loadavg:[str], cpuinfo:{cpus:int}}");
        await s.Get("/cluster/resources", "/cluster/resources",
            "[{id:str, type:str, node:str?, status:str?, vmid:int?, name:str?, maxmem:int?, maxdisk:int?, maxcpu:num?, storage:str?, template:bool?}]");
        await s.Get("/cluster/nextid", "/cluster/nextid", "str");
        await s.Get("/cluster/status", "/cluster/status",
            "[{id:str, name:str, type:str, nodeid:int?, ip:str?, online:bool?, local:bool?, quorate:bool?, nodes:int?}]");
        await s.Check("PUT", "/cluster/options", "/cluster/options", "null", ("max_workers", "3"));
        await s.Get("/cluster/options", "/cluster/options", "{max_workers:int?, allowed-tags:[str]?}");
        await s.Get("/cluster/migrations", "/cluster/migrations", "{limits:{}, running:[any], queued:[any]}");
        var metrics = await C.Get("/metrics");
        Assert.Equal(System.Net.HttpStatusCode.OK, metrics.Status);
        Assert.StartsWith("text/plain", metrics.ContentType);
        Assert.Matches(@"(?m)^actormigration_\w+(\{[^}]*\})? [0-9.e+-]+$", metrics.Body);
        s.Checked("GET", "/metrics");
        s.AssertAllChecked(this);
    }

    [Fact]
    [Covers("GET /nodes/{node}/maintenance", "POST /nodes/{node}/maintenance", "POST /nodes/{node}/migrateall", "GET /cluster/rebalance",
        "GET /cluster/rebalance/plan", "POST /cluster/rebalance", "GET /cluster/rebalance/options", "PUT /cluster/rebalance/options")]
    public async Task Maintenance_migrateall_and_rebalance_routes_answer_their_shapes()
    {
        var s = new RouteShapes(C);
        await Vm("node3");
        var all = await s.Check("POST", "/nodes/{node}/migrateall", "/nodes/node3/migrateall", "upid", ("target", "node2"), ("maxworkers", "1"));
        Assert.Equal("OK", await C.Wait(all.Data!.GetValue<string>()));
        await s.Get("/nodes/{node}/maintenance", "/nodes/node3/maintenance", "{enabled:bool}");
        var evac = await s.Check("POST", "/nodes/{node}/maintenance", "/nodes/node3/maintenance", "upid", ("enable", "1"));
        Assert.Equal("OK", await C.Wait(evac.Data!.GetValue<string>()));
        await s.Check("POST", "/nodes/{node}/maintenance", "/nodes/node3/maintenance", "null", ("enable", "0"));

        await s.Check("PUT", "/cluster/rebalance/options", "/cluster/rebalance/options", "null", ("max-moves", "5"));
        await s.Get("/cluster/rebalance/options", "/cluster/rebalance/options", "{mode:str, interval:int, threshold:num, max-moves:int}");
        var plan = await s.Get("/cluster/rebalance/plan", "/cluster/rebalance/plan",
            "{score-before:num, score-after:num, threshold:num, digest:str, moves:[{vmid:int, from:str, to:str}], blocked:[any], nodes:[any]|{*:any}}");
        await s.Check("POST", "/cluster/rebalance", "/cluster/rebalance", "[upid]", ("digest", plan.Data!["digest"]!.GetValue<string>()));
        await s.Get("/cluster/rebalance", "/cluster/rebalance", "{mode:str, history:[any], active:{}|null?}");
        s.AssertAllChecked(this);
    }
}

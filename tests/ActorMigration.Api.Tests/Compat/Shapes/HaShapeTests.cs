using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>The answer shapes of the HA routes (pve-ha-manager's PVE/API2/HA/{Resources,Groups,Rules,Status}.pm) and import-metadata.</summary>
public sealed class HaShapeTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    [Fact]
    [Covers("GET /cluster/ha", "GET /cluster/ha/groups", "POST /cluster/ha/groups", "GET /cluster/ha/groups/{group}", "PUT /cluster/ha/groups/{group}",
        "DELETE /cluster/ha/groups/{group}", "GET /cluster/ha/resources", "POST /cluster/ha/resources", "GET /cluster/ha/resources/{sid}",
        "PUT /cluster/ha/resources/{sid}", "DELETE /cluster/ha/resources/{sid}", "GET /cluster/ha/rules", "POST /cluster/ha/rules",
        "GET /cluster/ha/rules/{rule}", "PUT /cluster/ha/rules/{rule}", "DELETE /cluster/ha/rules/{rule}", "GET /cluster/ha/status",
        "GET /cluster/ha/status/current", "GET /cluster/ha/status/manager_status")]
    public async Task Ha_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(C);
        var (a, b) = (f.NextVmId(), f.NextVmId());
        foreach (var vmid in new[] { a, b })
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("scsi0", "shared:1")))));
        await s.Get("/cluster/ha", "/cluster/ha", "[{id:str}]");
        await s.Check("POST", "/cluster/ha/groups", "/cluster/ha/groups", "null", ("group", "g1"), ("nodes", "node1:2,node2"));
        await s.Get("/cluster/ha/groups", "/cluster/ha/groups", "[{group:str, type:str, nodes:str, digest:str?, restricted:bool?, nofailback:bool?}]");
        await s.Get("/cluster/ha/groups/{group}", "/cluster/ha/groups/g1", "{group:str, type:str, nodes:str, digest:str}");
        await s.Check("PUT", "/cluster/ha/groups/{group}", "/cluster/ha/groups/g1", "null", ("comment", "c"));
        foreach (var vmid in new[] { a, b })
            await s.Check("POST", "/cluster/ha/resources", "/cluster/ha/resources", "null", ("sid", $"vm:{vmid}"), ("state", "stopped"));
        await s.Get("/cluster/ha/resources", "/cluster/ha/resources", "[{sid:str, type:str, digest:str, state:str?, group:str?}]");
        await s.Get("/cluster/ha/resources/{sid}", $"/cluster/ha/resources/vm:{a}", "{sid:str, type:str, digest:str, state:str?}");
        await s.Check("PUT", "/cluster/ha/resources/{sid}", $"/cluster/ha/resources/vm:{a}", "null", ("max_restart", "2"));
        await s.Check("POST", "/cluster/ha/rules", "/cluster/ha/rules", "null", ("rule", "r1"), ("type", "resource-affinity"),
            ("resources", $"vm:{a},vm:{b}"), ("affinity", "positive"));
        await s.Get("/cluster/ha/rules", "/cluster/ha/rules", "[{rule:str, type:str, resources:str, affinity:str, digest:str, order:int}]");
        await s.Get("/cluster/ha/rules/{rule}", "/cluster/ha/rules/r1", "{rule:str, type:str, resources:str, digest:str}");
        await s.Check("PUT", "/cluster/ha/rules/{rule}", "/cluster/ha/rules/r1", "null", ("type", "resource-affinity"), ("comment", "c"));
        await s.Get("/cluster/ha/status", "/cluster/ha/status", "[{name:str}]");
        await s.Get("/cluster/ha/status/current", "/cluster/ha/status/current", "[{id:str, type:str, status:str?, node:str?, sid:str?, state:str?}]");
        await s.Get("/cluster/ha/status/manager_status", "/cluster/ha/status/manager_status", "{manager_status:{}, quorum:{}}");
        await s.Check("DELETE", "/cluster/ha/rules/{rule}", "/cluster/ha/rules/r1", "null");
        foreach (var vmid in new[] { a, b })
            await s.Check("DELETE", "/cluster/ha/resources/{sid}", $"/cluster/ha/resources/vm:{vmid}", "null");
        await s.Check("DELETE", "/cluster/ha/groups/{group}", "/cluster/ha/groups/g1", "null");
        s.AssertAllChecked(this);
    }

    [Fact]
    [Covers("GET /nodes/{node}/storage/{storage}/import-metadata")]
    public async Task Import_metadata_answers_proxmox_shape()
    {
        var s = new RouteShapes(C);
        var import = Path.Combine(f.Server.DataDir, "nodes", "node1", "local", "import");
        Directory.CreateDirectory(import);
        foreach (var file in new[] { "Win10-Liz.ovf", "Win10-Liz-disk1.vmdk" })
            File.Copy(Path.Combine(Repo.Root, "tests", "fixtures", "ovf", file), Path.Combine(import, file), true);
        await s.Get("/nodes/{node}/storage/{storage}/import-metadata", "/nodes/node1/storage/local/import-metadata",
            "{type:str, source:str, create-args:{}, disks:{*:{volid:str, size:int?}}, net:{*:{model:str?, macaddr:str?}}?, warnings:[{type:str}]}",
            ("volume", "local:import/Win10-Liz.ovf"));
        s.AssertAllChecked(this);
    }
}

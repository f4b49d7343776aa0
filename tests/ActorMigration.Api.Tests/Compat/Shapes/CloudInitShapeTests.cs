using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Compat.Shapes;

/// <summary>The cloud-init routes' answers against qemu-server's return schemas (cloudinit_pending, cloudinit_update, the dump).</summary>
public sealed class CloudInitShapeTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    [Fact]
    [Covers("GET /nodes/{node}/qemu/{vmid}/cloudinit", "PUT /nodes/{node}/qemu/{vmid}/cloudinit", "GET /nodes/{node}/qemu/{vmid}/cloudinit/dump")]
    public async Task Cloud_init_routes_answer_proxmox_shapes()
    {
        var s = new RouteShapes(C);
        var vmid = f.NextVmId();
        var vm = $"/nodes/node1/qemu/{vmid}";
        var upid = await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("ide2", "local:cloudinit"), ("ciuser", "admin"),
            ("ciupgrade", "1"), ("net0", "virtio,bridge=vmbr0"), ("ipconfig0", "ip=dhcp"), ("start", "1")));
        Assert.Equal("OK", await C.Wait(upid));
        await C.Put($"{vm}/config", ("ciuser", "ops"), ("sshkeys", "ssh-ed25519%20AAAA%20a%40b"), ("delete", "ciupgrade"));
        var rows = await s.Get("/nodes/{node}/qemu/{vmid}/cloudinit", $"{vm}/cloudinit", "[{key:str, value:str?, pending:str?, delete:int?}]");
        // Each kind of row is there: a changed value, an added key, a deleted one.
        Assert.Equal(3, rows.Data!.AsArray().Count(r => r!["pending"] is not null || r["delete"] is not null));
        await s.Check("PUT", "/nodes/{node}/qemu/{vmid}/cloudinit", $"{vm}/cloudinit", "null");
        foreach (var type in new[] { "user", "network", "meta" })
            await s.Get("/nodes/{node}/qemu/{vmid}/cloudinit/dump", $"{vm}/cloudinit/dump", "str", ("type", type));
        s.AssertAllChecked(this);
    }
}

using System.Net;
using ActorMigration.Actors.Balance;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Domain.Balance;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorMigration.Api.Tests.Balance;

/// <summary>GET/PUT /cluster/options in Proxmox's shapes; bad input is a 400 that changes nothing; a target in maintenance is refused.</summary>
public sealed class ClusterOptionsApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private async Task<string> Options() => (await C.Get("/cluster/options")).Data!.ToJsonString();

    [Fact]
    public async Task Options_are_set_read_back_and_deleted_in_proxmox_shapes()
    {
        Assert.Equal("""{"allowed-tags":[]}""", await Options());
        var put = await C.Put("/cluster/options", ("max_workers", "4"), ("migration-limits", "outbound=3,cluster=8"));
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal("""{"data":null}""", put.Body);
        Assert.Equal("""{"allowed-tags":[],"max_workers":4,"migration-limits":"cluster=8,outbound=3"}""", await Options());
        Assert.Equal(8, (await C.Get("/cluster/migrations")).Data!["limits"]!["cluster"]!.GetValue<int>());

        // set and delete in one call: deleted (Proxmox's order), an unknown key is deleted without a word
        Assert.Equal(HttpStatusCode.OK, (await C.Put("/cluster/options", ("max_workers", "2"), ("delete", "max_workers,keyboard"))).Status);
        Assert.Equal("""{"allowed-tags":[],"migration-limits":"cluster=8,outbound=3"}""", await Options());
        Assert.Equal(HttpStatusCode.OK, (await C.Put("/cluster/options", ("delete", "migration-limits"))).Status);
        Assert.Equal("""{"allowed-tags":[]}""", await Options());
        // back to the defaults (KubeVirt's numbers)
        var limits = (await C.Get("/cluster/migrations")).Data!["limits"]!;
        Assert.Equal((5, 2, null), (limits["cluster"]!.GetValue<int>(), limits["outbound"]!.GetValue<int>(), limits["inbound"]));
    }

    [Theory]
    [InlineData("max_workers", "0", "value must have a minimum value of 1")]
    [InlineData("max_workers", "x", "type check ('integer') failed - got 'x'")]
    [InlineData("migration-limits", "cluster=x", "invalid format - format error\ncluster: type check ('integer') failed - got 'x'\n")]
    [InlineData("migration-limits", "outbound=0", "invalid format - format error\noutbound: value must have a minimum value of 1\n")]
    [InlineData("migration-limits", "parallel=3",
        "invalid format - format error\nparallel: property is not defined in schema and the schema does not allow additional properties\n")]
    [InlineData("delete", "max workers!", "invalid format - invalid configuration ID 'workers!'\n")]
    [InlineData("keyboard", "de", "property is not defined in schema and the schema does not allow additional properties")]
    public async Task Bad_input_is_a_400_naming_the_parameter_and_changes_nothing(string key, string value, string error)
    {
        Assert.Equal(HttpStatusCode.OK, (await C.Put("/cluster/options", ("migration-limits", "cluster=7"))).Status);
        var before = await Options();
        // with a valid change beside it, which is not applied either
        var valid = key == "max_workers" ? ("migration-limits", "cluster=3") : ("max_workers", "3");
        var r = await C.Put("/cluster/options", valid, (key, value));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(error, r.Errors![key]!.GetValue<string>());
        Assert.Equal(before, await Options());
        await C.Put("/cluster/options", ("delete", "migration-limits"));
    }

    [Fact]
    public async Task A_migration_to_a_node_in_maintenance_is_refused_and_changes_nothing()
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "256")))));
        // The flag only (no evacuation task): the maintenance endpoint is not part of this package.
        var store = f.Server.Services.GetRequiredService<ActorRegistry>().Get<ClusterConfigStore>();
        var enabled = await store.Ask<ClusterConfigReply>(new ClusterConfigRequest(new EnableMaintenance("node3", null!, false, "root@pam")));
        Assert.Null(enabled.Error);
        try
        {
            var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node3"));
            Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
            Assert.Equal("node 'node3' is in maintenance mode", r.Reason);
            Assert.Null((await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["lock"]);
            // other targets are fine
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")))));
        }
        finally
        {
            await store.Ask<ClusterConfigReply>(new ClusterConfigRequest(new DisableMaintenance("node3", "root@pam")));
        }
    }
}

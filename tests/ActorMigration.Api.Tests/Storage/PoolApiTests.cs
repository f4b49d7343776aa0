using System.Net;
using ActorMigration.Api.Tests.Compat;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Storage;

/// <summary>/pools (create, read, members, update, delete), pool= at create and clone, /cluster/tasks and /nodes/{node}/status.</summary>
[Collection(CompatCollection.Name)]
public sealed class PoolApiTests(ServerFixture f)
{
    private PveClient C => f.Client;

    private static void Ok(PveClient.Response r) => Assert.True(r.Status == HttpStatusCode.OK, r.ToString());

    private static void Refused(PveClient.Response r, string reason) =>
        Assert.True(r.Status == HttpStatusCode.InternalServerError && r.Reason == reason, $"expected '{reason}': {r}");

    [Fact]
    public async Task A_pool_is_created_filled_by_create_and_clone_shown_in_resources_and_deleted_only_when_empty()
    {
        Ok(await C.Post("/pools", ("poolid", "web"), ("comment", "front ends")));
        Refused(await C.Post("/pools", ("poolid", "web")), "create pool failed: pool 'web' already exists");
        var listed = (await C.Get("/pools")).Data!.AsArray().Single(e => e!["poolid"]!.GetValue<string>() == "web")!;
        Assert.Equal("front ends", listed["comment"]!.GetValue<string>());

        var vm = await f.CreateVm("node1", ("scsi0", "local:1"), ("pool", "web"));
        var members = (await C.Get("/pools/web")).Data!["members"]!.AsArray();
        var member = Assert.Single(members)!;
        Assert.Equal(($"qemu/{vm}", "qemu", "node1", vm, "web"), (member["id"]!.GetValue<string>(), member["type"]!.GetValue<string>(),
            member["node"]!.GetValue<string>(), member["vmid"]!.GetValue<int>(), member["pool"]!.GetValue<string>()));
        var resource = (await C.Get("/cluster/resources", ("type", "vm"))).Data!.AsArray().Single(e => e!["vmid"]!.GetValue<int>() == vm)!;
        Assert.Equal("web", resource["pool"]!.GetValue<string>());
        Assert.Single((await C.Get("/pools", ("poolid", "web"))).Data!.AsArray()[0]!["members"]!.AsArray());

        var clone = f.NextVmId();
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vm}/clone", ("newid", clone.ToString()), ("pool", "web")));
        Assert.Equal("OK", await C.Wait(upid));
        Assert.Equal(2, (await C.Get("/pools/web")).Data!["members"]!.AsArray().Count);

        Refused(await C.Delete("/pools/web"), $"delete pool failed: pool 'web' is not empty (contains VM {vm})");
        Refused(await C.Put("/pools/web", ("vms", vm.ToString())), $"update pools failed: VM {vm} is already a pool member");
        Ok(await C.Put("/pools/web", ("vms", $"{vm},{clone}"), ("delete", "1")));
        Ok(await C.Put("/pools/web", ("storage", "local"), ("comment", "")));
        var pool = (await C.Get("/pools/web")).Data!.AsObject();
        Assert.False(pool.ContainsKey("comment"));
        Assert.Equal("storage/node1/local", Assert.Single(pool["members"]!.AsArray())!["id"]!.GetValue<string>());
        Refused(await C.Delete("/pools/web"), "delete pool failed: pool 'web' is not empty (contains storage 'local')");
        Ok(await C.Put("/pools/web", ("storage", "local"), ("delete", "1")));
        Ok(await C.Delete("/pools/web"));
        Refused(await C.Get("/pools/web"), "pool 'web' does not exist");
        var after = (await C.Get("/cluster/resources", ("type", "vm"))).Data!.AsArray().Single(e => e!["vmid"]!.GetValue<int>() == vm)!;
        Assert.False(after.AsObject().ContainsKey("pool"));
    }

    [Fact]
    public async Task A_vm_moves_between_pools_only_with_allow_move()
    {
        Ok(await C.Post("/pools", ("poolid", "a")));
        Ok(await C.Post("/pools", ("poolid", "b")));
        var vm = await f.CreateVm("node1", ("pool", "a"));
        Refused(await C.Put("/pools/b", ("vms", vm.ToString())), $"update pools failed: VM {vm} belongs already to pool 'a' and allow-move is not set");
        Ok(await C.Put("/pools/b", ("vms", vm.ToString()), ("allow-move", "1")));
        Assert.Empty((await C.Get("/pools/a")).Data!["members"]!.AsArray());
        Assert.Single((await C.Get("/pools/b")).Data!["members"]!.AsArray());
        Refused(await C.Put("/pools/a", ("vms", vm.ToString()), ("delete", "1")), $"update pools failed: VM {vm} is not a pool member");
    }

    [Fact]
    public async Task An_unknown_pool_or_bad_ids_change_nothing()
    {
        var vmid = f.NextVmId();
        var r = await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("pool", "nope"));
        Assert.Equal((HttpStatusCode.Forbidden, "Permission check failed (pool 'nope' does not exist)"), (r.Status, r.Reason));
        await Task.Delay(300);
        Assert.Equal(HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
        foreach (var bad in new[] { "a/b", "a b", "", "x;y", new string('p', 65) })
        {
            var c = await C.Post("/pools", ("poolid", bad));
            Assert.True(c.Status == HttpStatusCode.BadRequest && c.Json!["errors"]!["poolid"] is not null, $"'{bad}': {c}");
        }
        foreach (var (k, v) in new[] { ("vms", "abc"), ("vms", "1"), ("storage", "../x"), ("delete", "maybe") })
            Assert.Equal(HttpStatusCode.BadRequest, (await C.Put("/pools/nope", (k, v))).Status);
        Refused(await C.Put("/pools/nope", ("comment", "x")), "update pools failed: pool 'nope' does not exist");
        Refused(await C.Delete("/pools/nope"), "delete pool failed: pool 'nope' does not exist");
        Assert.Equal(HttpStatusCode.BadRequest, (await C.Post($"/nodes/node1/qemu", ("vmid", vmid.ToString()), ("pool", "a/b"))).Status);
    }

    [Fact]
    public async Task Cluster_tasks_list_recent_tasks_of_every_node_with_proxmox_fields()
    {
        var vm = await f.CreateVm("node2");
        var tasks = (await C.Get("/cluster/tasks")).Data!.AsArray();
        var t = tasks.First(e => e!["type"]!.GetValue<string>() == "qmcreate" && e["id"]!.GetValue<string>() == vm.ToString())!.AsObject();
        Assert.Equal(("node2", "root@pam", "admin", "OK", "1"), (t["node"]!.GetValue<string>(), t["user"]!.GetValue<string>(),
            t["tokenid"]!.GetValue<string>(), t["status"]!.GetValue<string>(), t["saved"]!.GetValue<string>()));
        foreach (var key in new[] { "upid", "pid", "pstart", "starttime", "endtime" }) Assert.True(t.ContainsKey(key), key);
        Assert.Contains(tasks, e => e!["node"]!.GetValue<string>() == "node1");
    }

    [Fact]
    public async Task Node_status_has_uptime_load_memory_and_the_version_of_version()
    {
        var version = (await C.Get("/version")).Data!["version"]!.GetValue<string>();
        var s = (await C.Get("/nodes/node1/status")).Data!.AsObject();
        Assert.StartsWith($"pve-manager/{version}/", s["pveversion"]!.GetValue<string>());
        Assert.Equal(3, s["loadavg"]!.AsArray().Count);
        Assert.All(s["loadavg"]!.AsArray(), l => Assert.Matches(@"^\d+\.\d\d$", l!.GetValue<string>()));
        Assert.True(s["uptime"]!.GetValue<long>() >= 0);
        Assert.InRange(s["cpu"]!.GetValue<double>(), 0, 1);
        foreach (var part in new[] { "memory", "swap", "rootfs" })
            foreach (var key in new[] { "total", "used", "free" })
                Assert.True(s[part]![key]!.GetValue<long>() >= 0, $"{part}.{key}");
        Assert.True(s["memory"]!["total"]!.GetValue<long>() > 0);
        Assert.NotNull(s["ksm"]!["shared"]);
        Assert.True(s["cpuinfo"]!["cpus"]!.GetValue<int>() > 0);
        Assert.NotEmpty(s["kversion"]!.GetValue<string>());
    }
}

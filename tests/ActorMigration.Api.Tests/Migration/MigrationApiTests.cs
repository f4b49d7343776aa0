using System.Net;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Migration;

public sealed class MigrationApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private Task<int> CreateVm(string node, bool start, params (string, string)[] extra) => CreateVm(C, node, start, extra);

    /// <summary>Root-only keys (<c>hostpci0</c>, <c>args</c>) need a root@pam session: a token is never root.</summary>
    private async Task<int> CreateVmAsRoot(string node, bool start, params (string, string)[] extra) =>
        await CreateVm(await f.Server.RootSession(), node, start, extra);

    private async Task<int> CreateVm(PveClient by, string node, bool start, (string, string)[] extra)
    {
        var vmid = f.NextVmId();
        var form = new List<(string, string)> { ("vmid", vmid.ToString()), ("memory", "2048"), ("cores", "2"), ("net0", "virtio,bridge=vmbr0") };
        form.AddRange(extra);
        Assert.Equal("OK", await C.Wait(await by.Upid(by.Post($"/nodes/{node}/qemu", form.ToArray()))));
        if (start) Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/{node}/qemu/{vmid}/status/start"))));
        return vmid;
    }

    [Fact]
    public async Task Online_migration_moves_a_running_vm_to_the_target()
    {
        var vmid = await CreateVm("node1", start: true);
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));

        Assert.Equal("OK", await C.Wait(upid));
        var log = await C.Log(upid);
        Assert.Contains(log, l => l.EndsWith($"starting migration of VM {vmid} to node 'node2' (127.0.0.1)"));
        Assert.Contains(log, l => l.Contains("migration finished successfully (duration "));
        Assert.Equal("TASK OK", log[^1]);

        var gone = await C.Get($"/nodes/node1/qemu/{vmid}/status/current");
        Assert.Equal(HttpStatusCode.InternalServerError, gone.Status);
        Assert.Equal($"Configuration file 'nodes/node1/qemu-server/{vmid}.conf' does not exist", gone.Reason);
        var current = await C.Get($"/nodes/node2/qemu/{vmid}/status/current");
        Assert.Equal("running", current.Data!["status"]!.GetValue<string>());
        await PveClient.Eventually(async () =>
            (await C.Get("/nodes/node2/qemu")).Body.Contains($"\"vmid\":{vmid},") &&
            !(await C.Get("/nodes/node1/qemu")).Body.Contains($"\"vmid\":{vmid},"), what: "listed under node2 only");
    }

    [Fact]
    public async Task Offline_migration_copies_the_local_disk_and_frees_the_source()
    {
        var vmid = await CreateVm("node1", start: false, ("scsi0", "local:1"));
        var src = Path.Combine(f.Server.DataDir, "nodes", "node1", "local", "images", vmid.ToString(), $"vm-{vmid}-disk-0.qcow2");
        Assert.True(File.Exists(src));

        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
        Assert.Equal("OK", await C.Wait(upid));

        Assert.False(File.Exists(src));
        Assert.True(File.Exists(src.Replace("/node1/", "/node2/")));
        var cfg = await C.Get($"/nodes/node2/qemu/{vmid}/config");
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", cfg.Data!["scsi0"]!.GetValue<string>());
    }

    [Fact]
    public async Task Online_migration_of_a_vm_with_hostpci_is_refused_naming_the_device()
    {
        var vmid = await CreateVmAsRoot("node1", start: true, ("hostpci0", "0000:01:00.0"));
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal("can't migrate VM which uses local devices: hostpci0", r.Reason);
        var cfg = await C.Get($"/nodes/node1/qemu/{vmid}/config");
        Assert.Null(cfg.Data!["lock"]);
    }

    [Fact]
    public async Task Local_disk_without_with_local_disks_is_refused()
    {
        var vmid = await CreateVm("node1", start: true, ("scsi0", "local:1"));
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal("can't live migrate attached local disks without with-local-disks option", r.Message!.TrimEnd());
    }

    [Fact]
    public async Task A_second_migration_of_a_locked_vm_is_refused()
    {
        var vmid = await CreateVmAsRoot("node1", start: true, ("args", "-sim-dirty-rate 1M"));
        var first = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("bwlimit", "10240")));
        var second = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node3"), ("online", "1"));
        Assert.Equal(HttpStatusCode.InternalServerError, second.Status);
        Assert.Equal("VM is locked (migrate)", second.Reason);
        Assert.Equal("OK", await C.Wait(first));
    }

    [Fact]
    public async Task Unknown_target_is_a_parameter_error()
    {
        var vmid = await CreateVm("node1", start: false);
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "nodeX"));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal("no such cluster node 'nodeX'", r.Errors!["target"]!.GetValue<string>());
    }

    [Fact]
    public async Task Requests_without_a_token_get_401()
    {
        var r = await f.Server.Anonymous.Get("/nodes");
        Assert.Equal(HttpStatusCode.Unauthorized, r.Status);
        Assert.Equal("No ticket", r.Reason);
        Assert.Equal("", r.Body);
        var bad = await C.Send(HttpMethod.Get, "/nodes", [], null, authHeader: "PVEAPIToken=root@pam!admin=00000000-0000-0000-0000-000000000000");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.Status);
        Assert.Equal("Authentication failed!", bad.Reason);
    }
}

public sealed class MigrationAbortTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    [Fact]
    public async Task Abort_before_the_point_of_no_return_rolls_back()
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "4096"), ("scsi0", "local:1")))));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        // 1 MiB/s: the disk mirror alone takes a long while.
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"),
            ("with-local-disks", "1"), ("bwlimit", "1024")));
        await PveClient.Eventually(async () => (await C.Log(upid)).Any(l => l.Contains("drive mirror is starting")), what: "mirror started");

        var del = await C.Delete($"/nodes/node1/tasks/{upid}");
        Assert.Equal(HttpStatusCode.OK, del.Status);
        Assert.Equal("migration aborted", await C.Wait(upid));

        var log = await C.Log(upid);
        Assert.Contains(log, l => l.Contains("ERROR: migration aborted (duration") && l.EndsWith("received interrupt"));
        Assert.Equal("TASK ERROR: migration aborted", log[^1]);
        Assert.Equal(["node1"], Reality.NodesRunning(f.Server.DataDir, vmid, "node1", "node2", "node3"));
        var cfg = await C.Get($"/nodes/node1/qemu/{vmid}/config");
        Assert.Null(cfg.Data!["lock"]);
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", cfg.Data["scsi0"]!.GetValue<string>());
        Assert.False(File.Exists(Path.Combine(f.Server.DataDir, "nodes", "node2", "local", "images", vmid.ToString(), $"vm-{vmid}-disk-0.qcow2")));
    }
}

using System.Net;

namespace ActorMigration.Api.Tests.Balance;

/// <summary>POST /nodes/{node}/migrateall: Proxmox's parameters and refusals (which change nothing), maxworkers, the log.</summary>
public sealed class MigrateAllApiTests(BulkApiFixture f) : IClassFixture<BulkApiFixture>
{
    private const string Path = "/nodes/node1/migrateall";

    [Fact]
    public async Task Bad_parameters_are_refused_with_proxmox_texts_and_change_nothing()
    {
        var local = await f.Unchanged(() => f.Client.Post(Path, ("target", "node1"), ("maxworkers", "1")));
        Assert.Equal(HttpStatusCode.BadRequest, local.Status);
        Assert.Equal("target is local node.", local.Errors!["target"]!.GetValue<string>());
        var unknown = await f.Unchanged(() => f.Client.Post(Path, ("target", "node9"), ("maxworkers", "1")));
        Assert.Equal((HttpStatusCode.InternalServerError, "no such cluster node 'node9'"), (unknown.Status, unknown.Reason));
        var noWorkers = await f.Unchanged(() => f.Client.Post(Path, ("target", "node2")));
        Assert.Equal((HttpStatusCode.InternalServerError, "either 'maxworkers' parameter or max_workers in datacenter.cfg must be set!"),
            (noWorkers.Status, noWorkers.Reason));
        foreach (var (key, value) in new[] { ("maxworkers", "0"), ("maxworkers", "x"), ("vms", "100,abc"), ("vms", "99"), ("with-local-disks", "2") })
        {
            var r = await f.Unchanged(() => f.Client.Post(Path, ("target", "node2"), ("maxworkers", "1"), (key, value)));
            Assert.True(r.Status == HttpStatusCode.BadRequest && r.Errors!.ContainsKey(key), $"{key}={value}: {r}");
        }
        var missing = await f.Unchanged(() => f.Client.Post(Path, ("maxworkers", "1")));
        Assert.Equal("property is missing and it is not optional", missing.Errors!["target"]!.GetValue<string>());
    }

    [Fact]
    public async Task Maxworkers_one_never_runs_two_children_at_once_and_the_log_lists_each_child_upid()
    {
        var vms = new List<int>();
        for (var i = 0; i < 3; i++) vms.Add(await f.NewVm("node3", start: true));
        var list = string.Join(",", vms);

        // The sampler sees overlapping children when maxworkers allows them (so it can see a violation).
        var three = await f.Client.Upid(f.Client.Post("/nodes/node3/migrateall", ("target", "node2"), ("maxworkers", "3"), ("vms", list)));
        Assert.True(await f.MostLockedAtOnce(vms, f.Client.Wait(three)) >= 2, "three workers never overlapped");
        Assert.Equal("OK", await f.Client.Wait(three));
        Assert.Superset(vms.ToHashSet(), await f.On("node2"));

        var one = await f.Client.Upid(f.Client.Post("/nodes/node2/migrateall", ("target", "node3"), ("maxworkers", "1"), ("vms", list)));
        Assert.Equal(1, await f.MostLockedAtOnce(vms, f.Client.Wait(one)));
        Assert.Equal("OK", await f.Client.Wait(one));
        Assert.Superset(vms.ToHashSet(), await f.On("node3"));

        var log = await f.Client.Log(one);
        Assert.Equal($"All jobs finished, used 3 workers in total.", log[^2]);
        Assert.Equal("TASK OK", log[^1]);
        foreach (var vmid in vms.Order())
        {
            var line = Assert.Single(log, l => l.StartsWith($"VM {vmid}: task UPID:node2:", StringComparison.Ordinal));
            var child = line[$"VM {vmid}: task ".Length..];
            Assert.Contains($":qmigrate:{vmid}:", child);
            Assert.Equal("OK", await f.Client.Wait(child));
            Assert.Contains($"Check VM {vmid}: precondition check passed", log);
        }
    }

    [Fact]
    public async Task A_running_vm_with_a_local_disk_is_skipped_without_with_local_disks_and_nothing_matched_is_ok()
    {
        var vmid = await f.NewVm("node3", start: true, options: ("scsi0", "local:1"));
        var upid = await f.Client.Upid(f.Client.Post("/nodes/node3/migrateall", ("target", "node1"), ("maxworkers", "2"), ("vms", vmid.ToString())));
        Assert.Equal("no migrations worker started...", await f.Client.Wait(upid));
        var log = await f.Client.Log(upid);
        Assert.Contains($"Check VM {vmid}: skip VM {vmid} - precondition check failed:", log);
        Assert.Contains($"  Has local disks: local:{vmid}/vm-{vmid}-disk-0.qcow2", log);
        Assert.Contains(vmid, await f.On("node3"));

        var none = await f.Client.Upid(f.Client.Post("/nodes/node3/migrateall", ("target", "node1"), ("maxworkers", "2"), ("vms", "999")));
        Assert.Equal("OK", await f.Client.Wait(none));
        Assert.Contains("no virtual guests matched, nothing to do..", await f.Client.Log(none));
    }
}

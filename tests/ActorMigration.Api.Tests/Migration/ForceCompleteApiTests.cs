using System.Net;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Migration;

/// <summary>
/// POST …/migrate/force-complete (ours) with the simulated driver: taken only by a migration in pre-copy, raises the
/// downtime limit to max-downtime (no post-copy allowed) or switches to post-copy (allowed), refused otherwise.
/// </summary>
public sealed class ForceCompleteApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    /// <summary>
    /// A running VM whose guest dirties faster than the 10 MiB/s link: by default 1 GiB/s over a 1 GiB working set (only
    /// post-copy ends that), or 100 MiB/s over 16 MiB (fits in a 2 s downtime).
    /// </summary>
    private async Task<int> BusyVm(string workload = "-sim-dirty-rate 1G -sim-working-set 1G")
    {
        var vmid = f.NextVmId();
        var root = await f.Server.RootSession();
        Assert.Equal("OK", await C.Wait(await root.Upid(root.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "2048"),
            ("args", workload)))));
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        return vmid;
    }

    private async Task<string> MigratingInPrecopy(int vmid, params (string, string)[] extra)
    {
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate",
            [("target", "node2"), ("online", "1"), ("bwlimit", "10240"), .. extra]));
        await PveClient.Eventually(async () => (await C.Log(upid)).Any(l => l.Contains("start migrate command")), what: "migrate command");
        return upid;
    }

    [Fact]
    [Compat.Shapes.Covers("POST /nodes/{node}/qemu/{vmid}/migrate/force-complete")] // the answer is the migration's UPID
    public async Task Force_complete_raises_the_downtime_limit_to_max_downtime_and_the_migration_ends_on_the_target()
    {
        var vmid = await BusyVm("-sim-dirty-rate 100M -sim-working-set 16M");
        var upid = await MigratingInPrecopy(vmid, ("max-downtime", "2"));
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate/force-complete");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(upid, r.Data!.GetValue<string>());
        Assert.Equal("OK", await C.Wait(upid));
        var log = await C.Log(upid);
        Assert.Contains(log, l => l.EndsWith("force-complete requested"));
        Assert.Contains(log, l => l.Contains("force-complete: downtime limit raised to max-downtime 2000 ms (downtime-limit 2000 ms"));
        Assert.Equal(["node2"], Reality.NodesRunning(f.Server.DataDir, vmid, "node1", "node2", "node3"));

        // Nothing to complete any more.
        var again = await C.Post($"/nodes/node2/qemu/{vmid}/migrate/force-complete");
        Assert.Equal(HttpStatusCode.InternalServerError, again.Status);
        Assert.Equal($"VM {vmid} is not being migrated", again.Message!.TrimEnd());
    }

    [Fact]
    public async Task Force_complete_switches_a_migration_that_allows_it_to_post_copy()
    {
        var vmid = await BusyVm();
        var upid = await MigratingInPrecopy(vmid, ("post-copy", "1"));
        Assert.Equal(HttpStatusCode.OK, (await C.Post($"/nodes/node1/qemu/{vmid}/migrate/force-complete")).Status);
        Assert.Equal("OK", await C.Wait(upid));
        var log = await C.Log(upid);
        Assert.Contains(log, l => l.EndsWith("force-complete: switching to post-copy"));
        Assert.Contains(log, l => l.EndsWith("switched to post-copy"));
        Assert.Equal(["node2"], Reality.NodesRunning(f.Server.DataDir, vmid, "node1", "node2", "node3"));
    }

    [Fact]
    public async Task Force_complete_of_a_vm_that_is_not_migrating_is_refused_and_bad_input_is_a_400()
    {
        var vmid = await BusyVm();
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/migrate/force-complete");
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal($"VM {vmid} is not being migrated", r.Message!.TrimEnd());
        var wrongNode = await C.Post($"/nodes/node2/qemu/{vmid}/migrate/force-complete");
        Assert.Equal(HttpStatusCode.InternalServerError, wrongNode.Status);
        var bad = await C.Post("/nodes/node1/qemu/abc/migrate/force-complete");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.NotNull(bad.Errors!["vmid"]);
        Assert.Equal(["node1"], Reality.NodesRunning(f.Server.DataDir, vmid, "node1", "node2", "node3"));
    }
}

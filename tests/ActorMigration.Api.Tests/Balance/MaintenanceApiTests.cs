using System.Net;

namespace ActorMigration.Api.Tests.Balance;

/// <summary>
/// POST/GET /nodes/{node}/maintenance: a node with 20 VMs, 6 of which cannot move (template, two local devices, two running
/// VMs with a local disk and no with-local-disks, an HA VM in a restricted group pinned to the node), ends holding only the
/// blocked ones, each reported with its reason; /nodes shows it; nothing migrates to it; enable=0 clears it.
/// </summary>
public sealed class MaintenanceApiTests(BulkApiFixture f) : IClassFixture<BulkApiFixture>
{
    private const string Path = "/nodes/node2/maintenance";

    [Fact]
    public async Task Maintenance_evacuates_every_movable_vm_reports_the_others_and_is_shown_until_disabled()
    {
        var movable = new List<int>();
        for (var i = 0; i < 10; i++) movable.Add(await f.NewVm("node2", start: false));
        for (var i = 0; i < 2; i++) movable.Add(await f.NewVm("node2", start: true));
        for (var i = 0; i < 2; i++) movable.Add(await f.NewVm("node2", start: true, options: ("scsi0", "shared:1")));
        var template = await f.NewVm("node2", start: false, options: ("scsi0", "local:1"));
        Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Post($"/nodes/node2/qemu/{template}/template"))));
        var pci = await f.NewVm("node2", start: false, root: true, options: ("hostpci0", "0000:01:00.0"));
        var usb = await f.NewVm("node2", start: false, root: true, options: ("usb0", "host=1234:5678"));
        var localA = await f.NewVm("node2", start: true, options: ("scsi0", "local:1"));
        var localB = await f.NewVm("node2", start: true, options: ("scsi0", "local:1"));
        var pinned = await f.NewVm("node2", start: true, options: ("scsi0", "shared:1"));
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post("/cluster/ha/groups", ("group", "pin2"), ("nodes", "node2"), ("restricted", "1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.Post("/cluster/ha/resources", ("sid", $"vm:{pinned}"), ("group", "pin2"))).Status);
        int[] blocked = [template, pci, usb, localA, localB, pinned];

        Assert.Equal(HttpStatusCode.BadRequest, (await f.Unchanged(() => f.Client.Post(Path))).Status);
        Assert.Equal("no such cluster node 'node9'", (await f.Unchanged(() => f.Client.Post("/nodes/node9/maintenance", ("enable", "1")))).Reason);
        Assert.Equal(0, (await f.Client.Get(Path)).Data!["enabled"]!.GetValue<int>());

        var upid = await f.Client.Upid(f.Client.Post(Path, ("enable", "1")));
        Assert.Contains(":evacuate::", upid);
        // While it runs: enabling again answers its UPID; another with-local-disks is refused and starts nothing.
        Assert.Equal(upid, await f.Client.Upid(f.Client.Post(Path, ("enable", "1"))));
        var other = await f.Client.Post(Path, ("enable", "1"), ("with-local-disks", "1"));
        Assert.Equal((HttpStatusCode.InternalServerError, Api.Endpoints.MaintenanceEndpoints.StillEvacuating("node2", upid)), (other.Status, other.Reason));
        Assert.Equal(upid, (await f.Client.Get(Path)).Data!["upid"]!.GetValue<string>());
        Assert.Equal("WARNINGS: 6", await f.Client.Wait(upid, TimeSpan.FromSeconds(90)));
        await PveClient.Eventually(async () => (await f.On("node2")).SetEquals(blocked),
            what: "node2 holds only the blocked VMs");
        var elsewhere = (await f.On("node1")).Concat(await f.On("node3")).ToHashSet();
        Assert.Superset(movable.ToHashSet(), elsewhere);
        Assert.NotEmpty((await f.On("node3")).Intersect(movable));
        Assert.NotEmpty((await f.On("node1")).Intersect(movable));

        var log = await f.Client.Log(upid);
        string Warn(int vmid, string reason) => $"WARN: VM {vmid} stays on node 'node2': {reason}";
        Assert.Contains(log, l => l.EndsWith(Warn(template, "template"), StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith(Warn(pci, "local resources: hostpci0"), StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith(Warn(usb, "local resources: usb0"), StringComparison.Ordinal));
        foreach (var vmid in new[] { localA, localB })
        {
            var reason = $"local disk without with-local-disks: local:{vmid}/vm-{vmid}-disk-0.qcow2";
            Assert.Contains(log, l => l.EndsWith(Warn(vmid, reason), StringComparison.Ordinal));
        }
        Assert.Contains(log, l => l.EndsWith(Warn(pinned, "pinned by HA group 'pin2' (restricted to node2)"), StringComparison.Ordinal));
        foreach (var vmid in movable) Assert.Contains(log, l => l.Contains($"VM {vmid}: migrate to node 'node"));

        var nodes = (await f.Client.Get("/nodes")).Data!.AsArray();
        Assert.Equal([1], nodes.Where(n => n!["node"]!.GetValue<string>() == "node2").Select(n => n!["maintenance"]!.GetValue<int>()));
        Assert.All(nodes.Where(n => n!["node"]!.GetValue<string>() != "node2"), n => Assert.Null(n!["maintenance"]));
        Assert.Equal("online", nodes.Single(n => n!["node"]!.GetValue<string>() == "node2")!["status"]!.GetValue<string>());
        var resource = (await f.Client.Get("/cluster/resources", ("type", "node"))).Data!.AsArray().Single(n => n!["node"]!.GetValue<string>() == "node2");
        Assert.Equal(1, resource!["maintenance"]!.GetValue<int>());
        var state = (await f.Client.Get(Path)).Data!;
        Assert.Equal((1, upid), (state["enabled"]!.GetValue<int>(), state["upid"]!.GetValue<string>()));

        // (The reference VM 200 was on node2 and moved too: the state checks of refusals are done above.)
        var from = (await f.On("node1")).Contains(movable[0]) ? "node1" : "node3";
        var toIt = await f.Client.Post($"/nodes/{from}/qemu/{movable[0]}/migrate", ("target", "node2"));
        Assert.Equal((HttpStatusCode.InternalServerError, "node 'node2' is in maintenance mode"), (toIt.Status, toIt.Reason));
        var all = await f.Client.Post("/nodes/node1/migrateall", ("target", "node2"), ("maxworkers", "1"));
        Assert.Equal((HttpStatusCode.InternalServerError, "node 'node2' is in maintenance mode"), (all.Status, all.Reason));

        var lrm = (await f.Client.Get("/cluster/ha/status/current")).Data!.AsArray().Single(e => e!["id"]!.GetValue<string>() == "lrm:node2");
        Assert.StartsWith("node2 (maintenance mode, ", lrm!["status"]!.GetValue<string>());

        var off = await f.Client.Post(Path, ("enable", "0"));
        Assert.Equal(HttpStatusCode.OK, off.Status);
        Assert.Null(off.Data);
        Assert.Equal(0, (await f.Client.Get(Path)).Data!["enabled"]!.GetValue<int>());
        Assert.All((await f.Client.Get("/nodes")).Data!.AsArray(), n => Assert.Null(n!["maintenance"]));
    }
}

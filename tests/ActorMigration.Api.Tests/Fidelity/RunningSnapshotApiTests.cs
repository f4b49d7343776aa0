using System.Net;
using System.Text.Json.Nodes;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary>Snapshots of running VMs on the simulated driver: with and without RAM state, rollback, delete, refusals.</summary>
public sealed class RunningSnapshotApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private JsonNode? SimVm(int vmid)
    {
        var file = Path.Combine(f.Server.DataDir, "run", "node1", "sim", "vms", $"{vmid}.json");
        return File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file)) : null;
    }

    private async Task<int> RunningVm(string disk = "local:1,format=qcow2")
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"),
            ("scsi0", disk), ("start", "1")))));
        return vmid;
    }

    private async Task<string> Status(int vmid) =>
        (await C.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!["status"]!.GetValue<string>();

    private async Task<JsonArray> List(int vmid) => (await C.Get($"/nodes/node1/qemu/{vmid}/snapshot")).Data!.AsArray();

    [Fact]
    public async Task A_vmstate_snapshot_of_a_running_vm_is_listed_and_a_rollback_resumes_from_it()
    {
        var vmid = await RunningVm();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "s1"), ("vmstate", "1")))));
        Assert.Equal("running", await Status(vmid));
        Assert.Equal(["s1"], SimVm(vmid)!["savedStates"]!.AsArray().Select(x => x!.GetValue<string>()));
        var list = await List(vmid);
        Assert.Equal(1, list[0]!["vmstate"]!.GetValue<int>());
        Assert.Equal(1, list[1]!["running"]!.GetValue<int>());
        var snap = (await C.Get($"/nodes/node1/qemu/{vmid}/snapshot/s1/config")).Data!;
        var disk = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["scsi0"]!.GetValue<string>().Split(',')[0];
        Assert.Equal(disk, snap["vmstate"]!.GetValue<string>());
        Assert.NotNull(snap["runningmachine"]);

        await C.Put($"/nodes/node1/qemu/{vmid}/config", ("memory", "1024"));
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot/s1/rollback"));
        Assert.Equal("OK", await C.Wait(upid));
        Assert.Equal("running", await Status(vmid));
        Assert.Equal("s1", SimVm(vmid)!["loadedState"]!.GetValue<string>());
        var cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal("512", cfg["memory"]!.ToString());
        Assert.Null(cfg["vmstate"]);
        Assert.Null(cfg["runningmachine"]);
        Assert.Contains(await C.Log(upid), l => l.Contains("resumed from the RAM state of snapshot 's1'", StringComparison.Ordinal));

        Assert.Equal("OK", await C.Wait(await C.Upid(C.Delete($"/nodes/node1/qemu/{vmid}/snapshot/s1"))));
        Assert.Single(await List(vmid));
        Assert.Equal("running", await Status(vmid));
    }

    [Theory]
    [InlineData(false, "stopped")]
    [InlineData(true, "running")]
    public async Task A_rollback_to_a_disk_only_snapshot_stops_a_running_vm_and_starts_it_only_with_start(bool start, string after)
    {
        var vmid = await RunningVm();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "disks")))));
        Assert.Null((await List(vmid))[0]!["vmstate"]);
        Assert.Null((await C.Get($"/nodes/node1/qemu/{vmid}/snapshot/disks/config")).Data!["vmstate"]);
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot/disks/rollback",
            ("start", start ? "1" : "0")))));
        Assert.Equal(after, await Status(vmid));
        if (start) Assert.Null(SimVm(vmid)!["loadedState"]?.GetValue<string>());
    }

    [Fact]
    public async Task Vmstate_on_a_raw_disk_is_refused_with_proxmoxs_text_and_changes_nothing()
    {
        var vmid = await RunningVm("local:1,format=raw");
        var before = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Body;
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "s1"), ("vmstate", "1"));
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal("snapshot feature is not available", r.Message!.TrimEnd());
        Assert.Equal(before, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Body);
        Assert.Single(await List(vmid));
        Assert.Empty(SimVm(vmid)!["savedStates"]!.AsArray());
    }

    [Fact]
    public async Task A_bad_vmstate_value_is_a_parameter_error_and_changes_nothing()
    {
        var vmid = await RunningVm();
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "s1"), ("vmstate", "maybe"));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.NotNull(r.Errors!["vmstate"]);
        Assert.Single(await List(vmid));
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>status/reboot, reset, suspend and resume on the simulated driver: tasks, qmpstatus, refusals that change nothing.</summary>
[Collection(ValidationCollection.Name)]
public sealed class PowerApiTests(ValidationFixture f)
{
    private PveClient C => f.Client;
    private WireClient W => f.Api;

    private async Task<string> Ok(string vm, string action, params (string, string)[] form)
    {
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vm}/status/{action}", form));
        var status = await C.Wait(upid);
        Assert.True(status == "OK", $"{action}: {status}\n{string.Join('\n', await C.Log(upid))}");
        return upid;
    }

    private async Task<JsonNode> Current(int vm) => (await C.Get($"/nodes/node1/qemu/{vm}/status/current")).Data!;

    /// <summary>The resets the simulated QEMU process of the VM counted (its run file).</summary>
    private int Resets(int vm)
    {
        var o = JsonNode.Parse(File.ReadAllText(Path.Combine(f.Server.DataDir, "run", "node1", "sim", "vms", $"{vm}.json")))!.AsObject();
        return o.First(p => p.Key.Equals("resets", StringComparison.OrdinalIgnoreCase)).Value!.GetValue<int>();
    }

    [Fact]
    public async Task Suspend_pauses_resume_continues_reset_resets_and_reboot_starts_a_new_process()
    {
        var vm = await f.ScratchVm(("scsi0", "local:1"));
        var id = vm.ToString();
        await Ok(id, "start");
        try
        {
            var upid = await Ok(id, "suspend");
            Assert.Contains(":qmpause:", upid);
            var paused = await Current(vm);
            // Proxmox: a suspended VM's status stays running; qmpstatus tells it is paused.
            Assert.Equal(("running", "paused"), (paused["status"]!.ToString(), paused["qmpstatus"]!.ToString()));
            Expect.Refused(await W.Post($"/nodes/node1/qemu/{vm}/status/reboot"), "VM is paused - cannot shutdown");

            Assert.Contains(":qmresume:", await Ok(id, "resume"));
            Assert.Equal("running", (await Current(vm))["qmpstatus"]!.ToString());
            await Ok(id, "resume"); // running already: nothing to do

            Assert.Equal(0, Resets(vm));
            Assert.Contains(":qmreset:", await Ok(id, "reset"));
            Assert.Equal(1, Resets(vm));

            var pid = (await Current(vm))["pid"]!.GetValue<int>();
            Assert.Contains(":qmreboot:", await Ok(id, "reboot", ("timeout", "5")));
            var after = await Current(vm);
            Assert.Equal(("running", "running"), (after["status"]!.ToString(), after["qmpstatus"]!.ToString()));
            Assert.NotEqual(pid, after["pid"]!.GetValue<int>());
            Assert.Equal(0, Resets(vm));
        }
        finally
        {
            await Ok(id, "stop");
        }
    }

    [Theory]
    [InlineData("reboot")]
    [InlineData("reset")]
    [InlineData("suspend")]
    [InlineData("resume")]
    public async Task A_stopped_vm_is_refused_and_nothing_changes(string action)
    {
        var r = await f.Unchanged(() => W.Post($"/nodes/node1/qemu/{ValidationFixture.Vm}/status/{action}"));
        Expect.Refused(r, $"VM {ValidationFixture.Vm} not running");
    }

    [Fact]
    public async Task Hostile_and_unsupported_parameters_are_refused_and_nothing_changes()
    {
        var vm = $"/nodes/node1/qemu/{ValidationFixture.Vm}/status";
        Expect.ParamError(await f.Unchanged(() => W.Post($"{vm}/reboot", ("timeout", "-1"))), "timeout", "value must have a minimum value of 0");
        Expect.ParamError(await f.Unchanged(() => W.Post($"{vm}/suspend", ("statestorage", "local"))), "todisk",
            "missing property required by 'statestorage'");
        Expect.ParamError(await f.Unchanged(() => W.Post($"{vm}/reset", ("skiplock", "1"))), "skiplock", "Only root may use this option.");
        Expect.ParamError(await f.Unchanged(() => W.Post($"{vm}/resume", ("nocheck", "1"))), "nocheck", "Only root may use this option.");
        Expect.ParamError(await f.Unchanged(() => W.Post($"{vm}/suspend", ("todisk", "maybe"))), "todisk",
            "type check ('boolean') failed - got 'maybe'");
        Expect.Refused(await f.Unchanged(() => W.Post("/nodes/node1/qemu/98765/status/reset")),
            "Configuration file 'nodes/node1/qemu-server/98765.conf' does not exist");
    }

    [Fact]
    public async Task Suspend_to_disk_is_refused_here()
    {
        var vm = await f.ScratchVm(("scsi0", "local:1"));
        await Ok(vm.ToString(), "start");
        try
        {
            Expect.Refused(await W.Post($"/nodes/node1/qemu/{vm}/status/suspend", ("todisk", "1")), "suspend to disk (todisk) is not supported");
            Assert.Equal("running", (await Current(vm))["qmpstatus"]!.ToString());
        }
        finally
        {
            await Ok(vm.ToString(), "stop");
        }
    }

    [Fact]
    public async Task A_paused_vm_migrates_online_and_is_paused_no_more_on_the_target()
    {
        var vm = await f.ScratchVm(("scsi0", "local:1"));
        await Ok(vm.ToString(), "start");
        await Ok(vm.ToString(), "suspend");
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vm}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
        Assert.Equal("OK", await C.Wait(upid));
        var rt = (await C.Get($"/nodes/node2/qemu/{vm}/status/current")).Data!;
        // Our deviation: Proxmox keeps a paused VM paused on the target (vm_was_paused); here the target resumes it.
        Assert.Equal("running", rt["qmpstatus"]!.ToString());
        var stop = await C.Upid(C.Post($"/nodes/node2/qemu/{vm}/status/stop"));
        Assert.Equal("OK", await C.Wait(stop));
        Assert.Equal(HttpStatusCode.OK, (await C.Get($"/nodes/node2/qemu/{vm}/status/current")).Status);
    }
}

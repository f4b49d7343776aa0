using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.MoveDisk;

/// <summary>One member whose simulated mirror of <see cref="FailingMirrorVmId"/> fails once.</summary>
public sealed class MoveDiskFixture : IAsyncLifetime
{
    public const int FailingMirrorVmId = 777;
    public InProcessServer Server { get; private set; } = null!;
    public PveClient Client => Server.Client;
    private int _nextVmid = 100;

    public int NextVmId() => Interlocked.Increment(ref _nextVmid);

    public async Task InitializeAsync() =>
        Server = await InProcessServer.StartAsync(new Dictionary<string, string?> { ["AM_SIM_FAULTS"] = $"mirror@{FailingMirrorVmId}*1" });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>move_disk / move-disk (qmmove) on the simulated driver: live and offline moves, a failed mirror, refusals, bad input.</summary>
public sealed class MoveDiskApiTests(MoveDiskFixture f) : IClassFixture<MoveDiskFixture>
{
    private PveClient C => f.Client;

    private async Task<int> Vm(bool running, int? vmid = null, string disk = "local:1,format=qcow2")
    {
        var id = vmid ?? f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", id.ToString()), ("memory", "512"),
            ("scsi0", disk), ("start", running ? "1" : "0")))));
        return id;
    }

    private async Task<JsonNode> Config(int vmid) => (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;

    private string File(string storage, int vmid, string name) => storage == "shared"
        ? Path.Combine(f.Server.DataDir, "shared", "images", vmid.ToString(), name)
        : Path.Combine(f.Server.DataDir, "nodes", "node1", "local", "images", vmid.ToString(), name);

    /// <summary>The simulated VM's drive file (the mirror's target once pivoted).</summary>
    private JsonNode? SimDisk(int vmid, string drive)
    {
        var file = Path.Combine(f.Server.DataDir, "run", "node1", "sim", "vms", $"{vmid}.json");
        return System.IO.File.Exists(file)
            ? JsonNode.Parse(System.IO.File.ReadAllText(file))!["disks"]!.AsArray().FirstOrDefault(d => d!["drive"]!.GetValue<string>() == drive)
            : null;
    }

    [Fact]
    public async Task A_running_vms_disk_moves_live_the_vm_writes_the_new_volume_and_the_old_one_is_unused0()
    {
        var vmid = await Vm(running: true);
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/move_disk", ("disk", "scsi0"), ("storage", "shared")));
        Assert.Matches($"^UPID:node1:[0-9A-F]{{8}}:[0-9A-F]{{8}}:[0-9A-F]{{8}}:qmmove:{vmid}:root@pam!", upid);
        Assert.Equal("OK", await C.Wait(upid));
        var cfg = await Config(vmid);
        Assert.StartsWith($"shared:{vmid}/vm-{vmid}-disk-0.qcow2,", cfg["scsi0"]!.GetValue<string>());
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2", cfg["unused0"]!.GetValue<string>());
        Assert.Null(cfg["lock"]);
        Assert.Equal(File("shared", vmid, $"vm-{vmid}-disk-0.qcow2"), SimDisk(vmid, "scsi0")!["path"]!.GetValue<string>());
        Assert.True(System.IO.File.Exists(File("local", vmid, $"vm-{vmid}-disk-0.qcow2")));
        Assert.Equal("running", (await C.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!["status"]!.GetValue<string>());
        var log = await C.Log(upid);
        Assert.Contains(log, l => l.EndsWith($"create full clone of drive scsi0 (local:{vmid}/vm-{vmid}-disk-0.qcow2)", StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith("all 'mirror' jobs are ready", StringComparison.Ordinal));
        Assert.Contains(log, l => l.EndsWith("drive-scsi0: Completed successfully.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stopped_vms_disk_is_converted_by_move_disk_with_delete_and_the_old_file_is_gone()
    {
        var vmid = await Vm(running: false);
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/move-disk", ("disk", "scsi0"), ("storage", "shared"), ("format", "raw"),
            ("delete", "1"), ("bwlimit", "0")));
        Assert.Equal("OK", await C.Wait(upid));
        var cfg = await Config(vmid);
        Assert.StartsWith($"shared:{vmid}/vm-{vmid}-disk-0.raw,", cfg["scsi0"]!.GetValue<string>());
        Assert.Null(cfg["unused0"]);
        Assert.False(System.IO.File.Exists(File("local", vmid, $"vm-{vmid}-disk-0.qcow2")));
        Assert.True(System.IO.File.Exists(File("shared", vmid, $"vm-{vmid}-disk-0.raw")));
        // Back again: the VM starts on the volume its config names.
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        Assert.Equal(File("shared", vmid, $"vm-{vmid}-disk-0.raw"), SimDisk(vmid, "scsi0")!["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failed_mirror_rolls_back_the_vm_keeps_its_disk_and_no_new_volume_is_left()
    {
        var vmid = await Vm(running: true, MoveDiskFixture.FailingMirrorVmId);
        var before = await Config(vmid);
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/move_disk", ("disk", "scsi0"), ("storage", "shared")));
        Assert.StartsWith("storage migration failed: mirroring error", await C.Wait(upid));
        Assert.Equal(before.ToJsonString(), (await Config(vmid)).ToJsonString());
        Assert.Equal(File("local", vmid, $"vm-{vmid}-disk-0.qcow2"), SimDisk(vmid, "scsi0")!["path"]!.GetValue<string>());
        Assert.False(System.IO.File.Exists(File("shared", vmid, $"vm-{vmid}-disk-0.qcow2")));
        // The lock went with the rollback: a second attempt works.
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/move_disk", ("disk", "scsi0"), ("storage", "shared")))));
    }

    public static IEnumerable<object[]> BadInput() =>
    [
        [new[] { ("disk", "scsi99") }, "disk"],
        [new[] { ("disk", "scsi0"), ("storage", "bad storage!") }, "storage"],
        [new[] { ("disk", "scsi0"), ("storage", "shared"), ("format", "vdi") }, "format"],
        [new[] { ("disk", "scsi0"), ("storage", "shared"), ("bwlimit", "-1") }, "bwlimit"],
        [new[] { ("disk", "scsi0"), ("storage", "shared"), ("delete", "maybe") }, "delete"],
        [new[] { ("disk", "scsi0"), ("storage", "shared"), ("digest", new string('a', 41)) }, "digest"],
        [new[] { ("disk", "scsi0"), ("storage", "shared"), ("target-vmid", "abc") }, "target-vmid"],
        [new[] { ("disk", "scsi0") }, "storage"],
        [new[] { ("storage", "shared") }, "disk"],
    ];

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_400_with_the_parameter_named_and_nothing_changes((string, string)[] form, string param)
    {
        var vmid = await Vm(running: false);
        var before = await Config(vmid);
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/move_disk", form);
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.NotNull(r.Json!["errors"]![param]);
        Assert.Equal(before.ToJsonString(), (await Config(vmid)).ToJsonString());
    }

    [Fact]
    public async Task Proxmoxs_refusals_are_500_with_its_text_and_nothing_changes()
    {
        var vmid = await Vm(running: false);
        var before = await Config(vmid);
        async Task Refused(string message, params (string, string)[] form)
        {
            var r = await C.Post($"/nodes/node1/qemu/{vmid}/move_disk", form);
            Assert.Equal((HttpStatusCode.InternalServerError, message), (r.Status, r.Reason));
        }
        await Refused("you can't move to the same storage with same format", ("disk", "scsi0"), ("storage", "local"));
        await Refused("you can't move to the same storage with same format", ("disk", "scsi0"), ("storage", "local"), ("format", "qcow2"));
        await Refused("disk 'scsi1' does not exist", ("disk", "scsi1"), ("storage", "shared"));
        await Refused("storage 'nosuch' does not exist", ("disk", "scsi0"), ("storage", "nosuch"));
        await Refused("detected modified configuration - file changed by other user? Try again.", ("disk", "scsi0"), ("storage", "shared"),
            ("digest", new string('0', 40)));
        await Refused("Moving a disk to the same VM is not possible. Did you mean to move the disk to a different storage?",
            ("disk", "scsi0"), ("target-vmid", vmid.ToString()));
        await Refused("moving a disk to another VM (target-vmid) is not supported", ("disk", "scsi0"), ("target-vmid", "999"));
        var none = await C.Post("/nodes/node1/qemu/999/move_disk", ("disk", "scsi0"), ("storage", "shared"));
        Assert.Equal("Configuration file 'nodes/node1/qemu-server/999.conf' does not exist", none.Reason);
        Assert.Equal(before.ToJsonString(), (await Config(vmid)).ToJsonString());
    }

    [Fact]
    public async Task A_locked_vm_is_refused()
    {
        var vmid = await Vm(running: false);
        var root = await f.Server.RootSession();
        Assert.Equal(HttpStatusCode.OK, (await root.Put($"/nodes/node1/qemu/{vmid}/config", ("lock", "backup"))).Status);
        var r = await C.Post($"/nodes/node1/qemu/{vmid}/move_disk", ("disk", "scsi0"), ("storage", "shared"));
        Assert.Equal((HttpStatusCode.InternalServerError, "VM is locked (backup)"), (r.Status, r.Reason));
    }
}

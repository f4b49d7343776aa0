
namespace ActorMigration.SystemTests.Copies;

/// <summary>qcow2 internal snapshots of stopped VMs, checked with qemu-img and qemu-io (running VMs: Qemu/QemuRunningSnapshotTests).</summary>
[Collection(Collections.Qemu)]
public sealed class SnapshotTests(QemuMemberFixture f)
{
    private const long MiB = 1 << 20;
    private PveClient C => f.Client;

    private static async Task<IReadOnlyList<string>> QemuSnapshots(string file) =>
        (await QemuHost.Info(file))["snapshots"]?.AsArray().Select(s => s!["name"]!.ToString()).ToList() ?? [];

    [Fact]
    public async Task Snapshot_rollback_and_delete_act_on_every_qcow2_disk()
    {
        var vm = f.NextVmId();
        await C.CreateVm(vm, ("scsi0", "local:1"), ("virtio1", "shared:1"), ("memory", "256"));
        var cfg = await C.Config(vm);
        var disks = new[] { f.PathOf(cfg.Volid("scsi0")), f.PathOf(cfg.Volid("virtio1")) };
        foreach (var d in disks) await QemuHost.WritePattern(d, "qcow2", 4 * MiB, (int)MiB, 0x42);

        var log = await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot", ("snapname", "first"), ("description", "before the change")));
        Assert.Contains(log, l => l.Contains($"snapshotting '{cfg.Volid("scsi0")}' (first)"));
        foreach (var d in disks) Assert.Equal(["first"], await QemuSnapshots(d));
        var list = (await C.Get($"/nodes/node1/qemu/{vm}/snapshot")).Data!.AsArray();
        Assert.Equal(["first", "current"], list.Select(s => s!["name"]!.ToString()));
        Assert.Equal("first", (await C.Config(vm)).Str("parent"));

        // The guest changes its disks and the config changes.
        foreach (var d in disks) await QemuHost.WritePattern(d, "qcow2", 4 * MiB, (int)MiB, 0xee);
        await C.Put($"/nodes/node1/qemu/{vm}/config", ("memory", "512"));

        log = await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot/first/rollback"));
        Assert.Contains(log, l => l.Contains($"rolling back '{cfg.Volid("virtio1")}' to snapshot 'first'"));
        foreach (var d in disks)
            Assert.True(await QemuHost.HasPattern(d, "qcow2", 4 * MiB, (int)MiB, 0x42), $"{d} was not rolled back");
        var rolled = await C.Config(vm);
        Assert.Equal("256", rolled.Str("memory"));
        Assert.Null(rolled["lock"]);

        await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot", ("snapname", "second")));
        foreach (var d in disks) Assert.Equal(["first", "second"], await QemuSnapshots(d));

        log = await C.Task(C.Delete($"/nodes/node1/qemu/{vm}/snapshot/first"));
        Assert.Contains(log, l => l.Contains($"deleting snapshot 'first' of '{cfg.Volid("scsi0")}'"));
        foreach (var d in disks) Assert.Equal(["second"], await QemuSnapshots(d));
        var after = (await C.Get($"/nodes/node1/qemu/{vm}/snapshot")).Data!.AsArray();
        Assert.Equal(["second", "current"], after.Select(s => s!["name"]!.ToString()));
        Assert.True(await QemuHost.HasPattern(disks[0], "qcow2", 4 * MiB, (int)MiB, 0x42), "delete changed the data");
        var check = await QemuHost.Run("qemu-img", "check", disks[0]);
        Assert.True(check.Exit == 0, check.Out + check.Err);
    }

    [Fact]
    public async Task Snapshot_refusals_non_qcow2_duplicate_and_unknown()
    {
        var vm = f.NextVmId();
        await C.CreateVm(vm, ("scsi0", "local:1"));
        await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot", ("snapname", "s1")));
        var file = f.PathOf((await C.Config(vm)).Volid("scsi0"));

        Assert.Equal("snapshot name 's1' already used",
            await C.RefusedNow(C.Post($"/nodes/node1/qemu/{vm}/snapshot", ("snapname", "s1"))));
        Assert.Equal("snapshot 'nope' does not exist",
            await C.RefusedNow(C.Post($"/nodes/node1/qemu/{vm}/snapshot/nope/rollback")));
        Assert.Equal("snapshot 'nope' does not exist",
            await C.RefusedNow(C.Delete($"/nodes/node1/qemu/{vm}/snapshot/nope")));
        Assert.Equal(["s1"], await QemuSnapshots(file));

        var raw = f.NextVmId();
        await C.CreateVm(raw, ("scsi0", "local:1,format=raw"));
        Assert.Equal("snapshot feature is not available",
            await C.RefusedNow(C.Post($"/nodes/node1/qemu/{raw}/snapshot", ("snapname", "s1"))));
        Assert.Single((await C.Get($"/nodes/node1/qemu/{raw}/snapshot")).Data!.AsArray());

        // A running VM: vmstate on a raw disk gets Proxmox's refusal, and nothing changes.
        var running = f.NextVmId();
        await C.CreateVm(running, ("memory", "64"), ("scsi0", "local:1,format=raw"));
        await C.Start(running);
        try
        {
            Assert.Equal("snapshot feature is not available",
                await C.RefusedNow(C.Post($"/nodes/node1/qemu/{running}/snapshot", ("snapname", "s1"), ("vmstate", "1"))));
        }
        finally
        {
            await C.Stop(running);
        }
        Assert.Single((await C.Get($"/nodes/node1/qemu/{running}/snapshot")).Data!.AsArray());
        Assert.Null((await C.Config(running))["lock"]);
    }
}

using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Snapshot;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>Snapshots of a running VM: the step re-checks the volumes, so running it twice takes nothing twice.</summary>
public sealed class NodeOperationsSnapshotTests() : NodeOperationsTest()
{
    private static readonly SnapshotDrive D0 = new("scsi0", "local:100/vm-100-disk-0.qcow2"), D1 = new("scsi1", "local:100/vm-100-disk-1.qcow2");

    private async Task RunningVm()
    {
        foreach (var d in new[] { D0, D1 }) await Ops.AllocateVolumes(new AllocateVolumes("alloc", "pve1", [new VolumeAlloc(d.Volid, "qcow2", 2 * MiB)]));
        await Driver.Hypervisor.StartAsync(Spec(100));
        Driver.Reset();
    }

    private async Task<IReadOnlyList<string>> Snaps(SnapshotDrive d) => (await Driver.Storage.InfoAsync(d.Volid))!.Snapshots ?? [];

    private static SnapshotRunningVm Step(string action, string? vmstate = null) => new("volumes", "pve1", 100, [D0, D1], "s1", action, vmstate);

    [Fact]
    public async Task A_disk_snapshot_takes_only_the_drives_that_lack_it()
    {
        await RunningVm();
        await Driver.Storage.SnapshotCreateAsync(D1.Volid, "s1"); // a crash left it on one drive
        await Ops.SnapshotRunningVm(Step("create"));
        await Ops.SnapshotRunningVm(Step("create")); // done already: nothing
        Assert.Equal(1, Driver.Count("SnapshotDrivesAsync"));
        Assert.Equal(["s1"], await Snaps(D0));
        Assert.Equal(["s1"], await Snaps(D1));
    }

    [Fact]
    public async Task A_partial_ram_state_snapshot_is_removed_and_taken_again_whole()
    {
        await RunningVm();
        await Driver.Storage.SnapshotCreateAsync(D1.Volid, "s1"); // a crash left it on one drive
        Driver.Reset();
        await Ops.SnapshotRunningVm(Step("create", "scsi0"));
        Assert.Equal(["DeleteDriveSnapshotsAsync", "SnapshotDrivesAsync"], Driver.Calls.Where(c => c.Contains("Snapshot")).ToList());
        Assert.Equal(["s1"], await Snaps(D0));
        Assert.Equal(["s1"], await Snaps(D1));
    }

    [Fact]
    public async Task A_delete_touches_only_drives_that_have_it_and_a_stopped_vm_is_refused()
    {
        await RunningVm();
        await Ops.SnapshotRunningVm(Step("create"));
        await Ops.SnapshotRunningVm(Step("delete"));
        await Ops.SnapshotRunningVm(Step("delete"));
        Assert.Equal(1, Driver.Count("DeleteDriveSnapshotsAsync"));
        Assert.Empty(await Snaps(D0));

        await Driver.Hypervisor.StopAsync(100);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Ops.SnapshotRunningVm(Step("create")));
        Assert.Equal("VM 100 not running", e.Message);
    }
}

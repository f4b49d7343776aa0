using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>Volume operations on the simulated driver: each re-check lets a step run twice.</summary>
public sealed class NodeOperationsVolumeTests() : NodeOperationsTest()
{
    private const string Disk = "local:100/vm-100-disk-0.qcow2";
    private const string Copy = "local:100/vm-100-disk-1.qcow2";
    private const string Archive = "local:backup/vzdump-qemu-100-2026_01_01-00_00_00.vma";

    private async Task<VolumeInfo> Info(string volid) => (await Driver.Storage.InfoAsync(volid))!;

    [Fact]
    public async Task Allocate_keeps_a_volume_of_the_same_size_and_replaces_one_of_another()
    {
        var step = new AllocateVolumes("alloc", "pve1", [new VolumeAlloc(Disk, "qcow2", 2 * MiB)]);
        await Ops.AllocateVolumes(step);
        await Driver.Storage.SnapshotCreateAsync(Disk, "mark");
        await Ops.AllocateVolumes(step); // the driver alone would refuse: it exists
        Assert.Equal(["mark"], (await Info(Disk)).Snapshots);

        await Ops.AllocateVolumes(new AllocateVolumes("alloc", "pve1", [new VolumeAlloc(Disk, "qcow2", 4 * MiB)]));
        Assert.Equal(4 * MiB, (await Info(Disk)).VirtualSize);
    }

    [Fact]
    public async Task Create_volumes_replacing_existing_ones_starts_from_an_empty_volume()
    {
        await Driver.Storage.CreateAsync(Disk, "qcow2", 2 * MiB);
        await Driver.Storage.SnapshotCreateAsync(Disk, "mark");
        await Ops.CreateVolumes([new VolumeAlloc(Disk, "qcow2", 2 * MiB)], replaceExisting: true);
        Assert.Empty((await Info(Disk)).Snapshots ?? []);
    }

    [Fact]
    public async Task A_rename_that_was_done_already_only_sets_the_flag()
    {
        await Driver.Storage.CreateAsync(Disk, "qcow2", MiB);
        var step = new RenameVolume("rename", "pve1", Disk, "local:100/base-100-disk-0.qcow2", ReadOnly: true);
        await Ops.RenameVolume(step);
        await Ops.RenameVolume(step); // the driver alone would say: the source does not exist
        Assert.Equal(1, Driver.Count("RenameAsync"));
        Assert.Null(await Driver.Storage.InfoAsync(Disk));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Ops.RenameVolume(new RenameVolume("rename", "pve1", Copy, "local:100/base-100-disk-1.qcow2", false)));
        Assert.Equal($"volume '{Copy}' does not exist", e.Message);
    }

    [Fact]
    public async Task Snapshots_are_created_and_deleted_once_and_a_rollback_needs_its_snapshot()
    {
        await Driver.Storage.CreateAsync(Disk, "qcow2", MiB);
        await Ops.SnapshotVolumes(new SnapshotVolumes("snap", "pve1", [Disk], "s1", "create"));
        await Ops.SnapshotVolumes(new SnapshotVolumes("snap", "pve1", [Disk], "s1", "create")); // driver alone: already exists
        Assert.Equal(["s1"], (await Info(Disk)).Snapshots);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Ops.SnapshotVolumes(new SnapshotVolumes("snap", "pve1", [Disk], "s2", "rollback")));
        Assert.Equal($"snapshot 's2' does not exist on '{Disk}'", e.Message);

        await Ops.SnapshotVolumes(new SnapshotVolumes("snap", "pve1", [Disk], "s1", "delete"));
        await Ops.SnapshotVolumes(new SnapshotVolumes("snap", "pve1", [Disk], "s1", "delete")); // driver alone: does not exist
        Assert.Equal(1, Driver.Count("SnapshotDeleteAsync"));
    }

    [Fact]
    public async Task Convert_removes_what_a_crashed_attempt_left_and_answers_the_written_volume()
    {
        Env.Clock.AutoAdvance = true; // the copy takes simulated time
        await Driver.Storage.CreateAsync(Disk, "qcow2", 8 * MiB);
        await Driver.Storage.CreateAsync(Copy, "qcow2", MiB); // a leftover, too small: the driver alone would refuse it
        var ready = (VolumeReady)await Ops.ConvertDisk(new ConvertDisk("convert", "pve1", Disk, Copy, "qcow2", 8 * MiB, null, null));
        Assert.Equal((Copy, 8 * MiB), (ready.Volume.VolId, ready.Volume.VirtualSize));
    }

    [Fact]
    public async Task Backup_removes_the_archive_of_a_crashed_attempt_before_it_writes()
    {
        Env.Clock.AutoAdvance = true; // the copy takes simulated time
        await Driver.Storage.CreateAsync(Disk, "qcow2", 2 * MiB);
        Driver.Reset();
        await Ops.BackupVm(new BackupVm("backup", "pve1", 100, Archive, $"memory: 512\nscsi0: {Disk}\n", [new DriveVolume("scsi0", Disk)]));
        Assert.Equal(["DeleteAsync", "CreateBackupAsync"], Driver.Calls);
        Assert.Equal("scsi0", (await Driver.Storage.ReadBackupAsync(Archive)).Disks.Single().Drive);
    }

    [Fact]
    public async Task Restore_starts_afresh_after_a_crashed_attempt_and_answers_the_written_volume()
    {
        Env.Clock.AutoAdvance = true; // the copies take simulated time
        await Driver.Storage.CreateAsync(Disk, "qcow2", 2 * MiB);
        await Ops.BackupVm(new BackupVm("backup", "pve1", 100, Archive, $"memory: 512\nscsi0: {Disk}\n", [new DriveVolume("scsi0", Disk)]));

        var restore = new RestoreDisk("restore", "pve1", Archive, "scsi0", Copy, "qcow2");
        await Ops.RestoreDisk(restore);
        var ready = (VolumeReady)await Ops.RestoreDisk(restore); // the driver alone would refuse: the volume exists
        Assert.Equal((Copy, 2 * MiB), (ready.Volume.VolId, ready.Volume.VirtualSize));
    }

    [Fact]
    public async Task Deleting_past_failures_tries_every_volume_and_answers_the_failures_without_host_paths()
    {
        await Driver.Storage.CreateAsync(Disk, "qcow2", MiB);
        await Driver.Storage.CreateAsync(Copy, "qcow2", MiB);
        var path = Driver.Storage.PathOf(Disk);
        Driver.Before = (method, args) =>
        {
            if (method == "DeleteAsync" && (string)args[0]! == Disk) throw new IOException($"cannot remove '{path}': Device busy");
        };

        var result = (VolumesDeleted)await Ops.DeleteVolumes(new DeleteVolumes("free", "pve1", [Disk, Copy]) { GoOnPastFailures = true });

        Assert.Equal([new VolumeDeleteFailure(Disk, $"cannot remove '{Disk}': Device busy")], result.Failed);
        Assert.Null(await Driver.Storage.InfoAsync(Copy));
        await Assert.ThrowsAsync<IOException>(() => Ops.DeleteVolumes(new DeleteVolumes("free", "pve1", [Disk])));
    }

    [Fact]
    public async Task Start_vm_resolves_its_volumes_on_this_node()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Ops.StartVm(new StartVm("start", "pve1", 100, $"memory: 512\nscsi0: {Disk}\n", null, "t")));
        Assert.Equal($"volume '{Disk}' does not exist", e.Message);

        await Driver.Storage.CreateAsync(Disk, "qcow2", MiB);
        var started = (VmStarted)await Ops.StartVm(new StartVm("start", "pve1", 100, $"memory: 512\nscsi0: {Disk}\n", null, "t"));
        Assert.Equal(VmRunState.Running, started.Runtime.State);
    }

    [Fact]
    public async Task Start_vm_writes_the_cloud_init_image_except_for_a_migration_target()
    {
        const string ci = "local:100/vm-100-cloudinit.qcow2";
        await Ops.StartVm(new StartVm("start", "pve1", 100, $"memory: 512\nide2: {ci},media=cdrom\n", null, "t"));
        Assert.NotNull(await Driver.Storage.InfoAsync(ci));

        await Driver.Hypervisor.StopAsync(100);
        await Driver.Storage.DeleteAsync(ci);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Ops.StartVm(new StartVm("start", "pve1", 100,
            $"memory: 512\nide2: {ci},media=cdrom\n", new IncomingSpec("tcp", []), "t")));
    }
}

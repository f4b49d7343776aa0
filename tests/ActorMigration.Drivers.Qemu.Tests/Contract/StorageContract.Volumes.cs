using ActorMigration.Domain.Hypervisor;

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>Create, info, list, delete, rename, read-only, linked clones, snapshots, convert.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task Create_info_list_and_delete()
    {
        var s = Node();
        const string volid = "local:150/vm-150-disk-0.qcow2";
        Assert.Null(await s.InfoAsync(volid));

        var info = await s.CreateAsync(volid, "qcow2", 48 * MiB);
        Assert.Equal(("qcow2", 48 * MiB, null), (info.Format, info.VirtualSize, info.BackingFile));
        Assert.Equal(Path.Combine(Env.Root, "storage", "node1", "images", "150", "vm-150-disk-0.qcow2"), info.Path);
        Assert.Equal(info.Path, s.PathOf(volid));
        Assert.True(info.ActualSize < info.VirtualSize);
        Assert.Equal(info.VirtualSize, (await s.InfoAsync(volid))!.VirtualSize);

        // The same request again (a retry) gives the volume; a larger one is refused.
        Assert.Equal(48 * MiB, (await s.CreateAsync(volid, "qcow2", 48 * MiB)).VirtualSize);
        Assert.Equal("volume 'local:150/vm-150-disk-0.qcow2' already exists",
            (await Assert.ThrowsAsync<IOException>(() => s.CreateAsync(volid, "qcow2", 96 * MiB))).Message);
        Assert.Equal("illegal name 'vm-150-disk-1.raw' - wrong extension for format ('qcow2')",
            (await Assert.ThrowsAsync<ArgumentException>(() => s.CreateAsync("local:150/vm-150-disk-1.raw", "qcow2", MiB))).Message);
        Assert.Equal("size must be greater than 0",
            (await Assert.ThrowsAsync<ArgumentException>(() => s.CreateAsync("local:150/vm-150-disk-1.raw", "raw", 0))).Message);
        Assert.Equal("'local:import/x.raw' is not an image volume",
            (await Assert.ThrowsAsync<ArgumentException>(() => s.CreateAsync("local:import/x.raw", "raw", MiB))).Message);

        Assert.Equal("raw", (await s.CreateAsync("local:150/vm-150-disk-1.raw", "raw", 8 * MiB)).Format);
        Assert.Equal("vmdk", (await s.CreateAsync("local:151/vm-151-disk-0.vmdk", "vmdk", 8 * MiB)).Format);
        Assert.Equal(["local:150/vm-150-disk-0.qcow2", "local:150/vm-150-disk-1.raw"], (await s.ListAsync("local", 150)).Select(v => v.VolId));
        Assert.Equal(["local:150/vm-150-disk-0.qcow2", "local:150/vm-150-disk-1.raw", "local:151/vm-151-disk-0.vmdk"],
            (await s.ListAsync("local")).Select(v => v.VolId));

        await s.DeleteAsync(volid);
        await s.DeleteAsync(volid); // gone: no-op
        Assert.Null(await s.InfoAsync(volid));
        Assert.False(File.Exists(info.Path));
        Assert.Equal("storage 'nosuch' does not exist", Assert.Throws<ArgumentException>(() => s.PathOf("nosuch:150/vm-150-disk-0.raw")).Message);
        await Assert.ThrowsAsync<ArgumentException>(() => s.ListAsync("nosuch"));
    }

    [Fact]
    public async Task Rename_is_repeatable_after_a_crash_and_read_only_is_reported()
    {
        var s = Node();
        await s.CreateAsync("local:100/vm-100-disk-0.qcow2", "qcow2", 16 * MiB);
        await s.RenameAsync("local:100/vm-100-disk-0.qcow2", "local:100/base-100-disk-0.qcow2");
        await s.RenameAsync("local:100/vm-100-disk-0.qcow2", "local:100/base-100-disk-0.qcow2"); // done before a crash
        Assert.Null(await s.InfoAsync("local:100/vm-100-disk-0.qcow2"));
        Assert.Equal(16 * MiB, (await s.InfoAsync("local:100/base-100-disk-0.qcow2"))!.VirtualSize);

        Assert.Equal("volume 'local:100/vm-100-disk-7.qcow2' does not exist", (await Assert.ThrowsAsync<FileNotFoundException>(() =>
            s.RenameAsync("local:100/vm-100-disk-7.qcow2", "local:100/vm-100-disk-8.qcow2"))).Message);
        await s.CreateAsync("local:100/vm-100-disk-1.qcow2", "qcow2", MiB);
        Assert.Equal("volume 'local:100/base-100-disk-0.qcow2' already exists", (await Assert.ThrowsAsync<IOException>(() =>
            s.RenameAsync("local:100/vm-100-disk-1.qcow2", "local:100/base-100-disk-0.qcow2"))).Message);
        Assert.Equal("not possible to rename a volume across storages", (await Assert.ThrowsAsync<ArgumentException>(() =>
            s.RenameAsync("local:100/vm-100-disk-1.qcow2", "other:100/vm-100-disk-1.qcow2"))).Message);

        await s.SetReadOnlyAsync("local:100/base-100-disk-0.qcow2", true);
        Assert.True((await s.InfoAsync("local:100/base-100-disk-0.qcow2"))!.ReadOnly);
        await s.SetReadOnlyAsync("local:100/base-100-disk-0.qcow2", false);
        Assert.False((await s.InfoAsync("local:100/base-100-disk-0.qcow2"))!.ReadOnly);
        await Assert.ThrowsAsync<FileNotFoundException>(() => s.SetReadOnlyAsync("local:100/vm-100-disk-9.qcow2", true));
    }

    [Fact]
    public async Task A_linked_clone_takes_the_base_size_is_listed_under_its_base_and_protects_it()
    {
        var s = Node();
        const string baseVol = "local:9000/base-9000-disk-0.qcow2";
        await s.CreateAsync(baseVol, "qcow2", 40 * MiB);
        await s.SetReadOnlyAsync(baseVol, true);

        // Independent of the size asked for: 0 or equal both give the base size.
        var c1 = await s.CreateAsync("local:101/vm-101-disk-0.qcow2", "qcow2", 0, baseVol);
        var c2 = await s.CreateAsync("local:102/vm-102-disk-0.qcow2", "qcow2", 40 * MiB, baseVol);
        foreach (var c in new[] { c1, c2 })
            Assert.Equal(("../9000/base-9000-disk-0.qcow2", 40 * MiB), (c.BackingFile, c.VirtualSize));
        Assert.Equal("linked clones need format qcow2", (await Assert.ThrowsAsync<ArgumentException>(() =>
            s.CreateAsync("local:103/vm-103-disk-0.raw", "raw", 0, baseVol))).Message);
        Assert.True((await s.InfoAsync(baseVol))!.ReadOnly);

        const string linked = "local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2";
        Assert.Equal([linked], (await s.ListAsync("local", 101)).Select(v => v.VolId));
        Assert.Equal(c1.Path, s.PathOf(linked));

        var inUse = await Assert.ThrowsAsync<InvalidOperationException>(() => s.DeleteAsync(baseVol));
        Assert.Equal($"base volume '{baseVol}' is still in use by linked clone '{linked}'", inUse.Message);
        await s.DeleteAsync(linked);
        await s.DeleteAsync("local:102/vm-102-disk-0.qcow2");
        await s.DeleteAsync(baseVol);
        Assert.Empty(await s.ListAsync("local"));
    }

    [Fact]
    public async Task Snapshots_are_created_rolled_back_and_deleted_on_qcow2_only()
    {
        var s = Node();
        const string vol = "local:160/vm-160-disk-0.qcow2";
        await s.CreateAsync(vol, "qcow2", 8 * MiB);
        await s.SnapshotCreateAsync(vol, "before");
        await s.SnapshotCreateAsync(vol, "before"); // exists: no-op
        Assert.Equal(["before"], (await s.InfoAsync(vol))!.Snapshots);

        await s.SnapshotRollbackAsync(vol, "before");
        Assert.Equal($"snapshot 'nosuch' of '{vol}' does not exist",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => s.SnapshotRollbackAsync(vol, "nosuch"))).Message);
        await s.SnapshotDeleteAsync(vol, "before");
        await s.SnapshotDeleteAsync(vol, "before"); // gone: no-op
        Assert.Empty((await s.InfoAsync(vol))!.Snapshots!);

        const string raw = "local:162/vm-162-disk-0.raw";
        await s.CreateAsync(raw, "raw", MiB);
        Assert.Equal($"snapshots need qcow2; '{raw}' is raw",
            (await Assert.ThrowsAsync<NotSupportedException>(() => s.SnapshotCreateAsync(raw, "x"))).Message);
        await Assert.ThrowsAsync<FileNotFoundException>(() => s.SnapshotCreateAsync("local:163/vm-163-disk-0.qcow2", "x"));
    }

    [Fact]
    public async Task Convert_fills_a_new_or_a_large_enough_volume_with_progress()
    {
        var s = Node();
        var seed = Import("seed.raw", 8 * MiB);
        const string vol = "local:170/vm-170-disk-0.qcow2";
        var progress = new Recorder();
        await s.ConvertAsync(seed, vol, "qcow2", progress: progress);
        Assert.Equal(CopyProgressOf(8 * MiB), progress.Last);
        Assert.Equal(("qcow2", 8 * MiB), Shape(await s.InfoAsync(vol)));

        // Of a snapshot: into an existing, larger volume.
        await s.SnapshotCreateAsync(vol, "s1");
        await s.CreateAsync("local:171/vm-171-disk-0.raw", "raw", 16 * MiB);
        await s.ConvertAsync(vol, "local:171/vm-171-disk-0.raw", "raw", snapshot: "s1");
        Assert.Equal(("raw", 16 * MiB), Shape(await s.InfoAsync("local:171/vm-171-disk-0.raw")));

        Assert.Equal($"snapshot 'nope' of '{vol}' does not exist", (await Assert.ThrowsAsync<InvalidOperationException>(() =>
            s.ConvertAsync(vol, "local:172/vm-172-disk-0.raw", "raw", snapshot: "nope"))).Message);
        await Assert.ThrowsAsync<FileNotFoundException>(() => s.ConvertAsync("local:170/vm-170-disk-9.qcow2", "local:172/vm-172-disk-0.raw", "raw"));
        await s.CreateAsync("local:173/vm-173-disk-0.raw", "raw", MiB);
        Assert.Equal($"target 'local:173/vm-173-disk-0.raw' is smaller ({MiB}) than the source ({8 * MiB})",
            (await Assert.ThrowsAsync<IOException>(() => s.ConvertAsync(vol, "local:173/vm-173-disk-0.raw", "raw"))).Message);
    }

    protected static (string, long) Shape(VolumeInfo? info) => (info!.Format, info.VirtualSize);

    protected static CopyProgress CopyProgressOf(long bytes) => new(bytes, bytes);
}

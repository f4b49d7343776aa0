namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>NBD exports, copies into them (image and file), backup archives.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task A_volume_is_copied_into_a_writable_nbd_export_of_another_node()
    {
        var (n1, n2) = (Node("node1"), Node("node2"));
        const string vol = "local:170/vm-170-disk-0.raw";
        await n1.ConvertAsync(Import("seed.raw", 24 * MiB), vol, "raw");
        await n2.CreateAsync(vol, "raw", 24 * MiB);
        var export = await n2.ExportAsync(vol, writable: true);

        var progress = new Recorder();
        await n1.CopyToNbdAsync(vol, export.Uri, bwlimitKiB: 64 * 1024, progress);
        Assert.Equal(CopyProgressOf(24 * MiB), progress.Last);
        await n2.CloseExportAsync(export.ExportId);
        await n2.CloseExportAsync(export.ExportId); // closed: no-op
        Assert.Equal(("raw", 24 * MiB), Shape(await n2.InfoAsync(vol)));

        // A read-only export refuses writes (the error is qemu-img's in the QEMU driver, so only that it fails is the same).
        var ro = await n2.ExportAsync(vol, writable: false);
        await Assert.ThrowsAnyAsync<Exception>(() => n1.CopyToNbdAsync(vol, ro.Uri));
        await n2.CloseExportAsync(ro.ExportId);
        await Assert.ThrowsAsync<FileNotFoundException>(() => n2.ExportAsync("local:170/vm-170-disk-9.raw", writable: false));
    }

    [Fact]
    public async Task A_file_copy_into_a_file_export_keeps_the_qcow2_snapshots()
    {
        var (n1, n2) = (Node("node1"), Node("node2"));
        const string vol = "local:171/vm-171-disk-0.qcow2";
        await n1.ConvertAsync(Import("seed.raw", 16 * MiB), vol, "qcow2");
        await n1.SnapshotCreateAsync(vol, "s1");
        var src = (await n1.InfoAsync(vol))!;
        Assert.Equal(new FileInfo(src.Path).Length, src.FileLength);

        await n2.CreateAsync(vol, "qcow2", MiB); // a leftover of an earlier attempt is replaced
        var export = await n2.ExportFileAsync(vol, src.FileLength!.Value);
        await n1.CopyFileToNbdAsync(vol, export.Uri);
        await n2.CloseExportAsync(export.ExportId);

        var dst = (await n2.InfoAsync(vol))!;
        Assert.Equal(("qcow2", 16 * MiB), Shape(dst));
        Assert.Equal(["s1"], dst.Snapshots);
        await Assert.ThrowsAsync<ArgumentException>(() => n2.ExportFileAsync("local:import/x.raw", MiB));
        await Assert.ThrowsAsync<ArgumentException>(() => n2.ExportFileAsync(vol, 0));
    }

    [Fact]
    public async Task A_backup_archive_is_written_read_listed_and_restored()
    {
        var s = Node();
        await s.ConvertAsync(Import("d0.raw", 16 * MiB), "local:180/vm-180-disk-0.qcow2", "qcow2");
        await s.ConvertAsync(Import("d1.raw", 4 * MiB), "local:180/vm-180-disk-1.raw", "raw");
        const string conf = "memory: 512\nscsi0: local:180/vm-180-disk-0.qcow2,size=16M\nvirtio0: local:180/vm-180-disk-1.raw,size=4M\n";
        const string backup = "local:backup/vzdump-qemu-180-2024_01_01-00_00_00.tar";

        var progress = new Recorder();
        await s.CreateBackupAsync(backup, conf, [("scsi0", "local:180/vm-180-disk-0.qcow2"), ("virtio0", "local:180/vm-180-disk-1.raw")], progress);
        Assert.Equal(CopyProgressOf(20 * MiB), progress.Last);

        // The entry names and formats inside differ: the simulated archive keeps the disks' formats, the QEMU one stores qcow2.
        var m = await s.ReadBackupAsync(backup);
        Assert.Equal(conf, m.ConfigText);
        Assert.Equal([("scsi0", 16 * MiB), ("virtio0", 4 * MiB)], m.Disks.Select(d => (d.Drive, d.SizeBytes)));
        Assert.Contains(backup, (await s.ListAsync("local")).Select(v => v.VolId));
        Assert.Contains(backup, (await s.ListAsync("local", 180)).Select(v => v.VolId));
        Assert.DoesNotContain(backup, (await s.ListAsync("local", 181)).Select(v => v.VolId));

        await s.RestoreDiskAsync(backup, "scsi0", "local:181/vm-181-disk-0.raw", "raw");
        await s.RestoreDiskAsync(backup, "virtio0", "local:181/vm-181-disk-1.qcow2", "qcow2");
        Assert.Equal(("raw", 16 * MiB), Shape(await s.InfoAsync("local:181/vm-181-disk-0.raw")));
        Assert.Equal(("qcow2", 4 * MiB), Shape(await s.InfoAsync("local:181/vm-181-disk-1.qcow2")));
        Assert.Equal($"backup '{backup}' has no drive 'ide0'", (await Assert.ThrowsAsync<InvalidOperationException>(() =>
            s.RestoreDiskAsync(backup, "ide0", "local:181/vm-181-disk-2.raw", "raw"))).Message);
        await Assert.ThrowsAsync<FileNotFoundException>(() => s.ReadBackupAsync("local:backup/vzdump-qemu-1-none.tar"));
        Assert.Equal("'local:100/vm-100-disk-0.raw' is not a backup volume",
            (await Assert.ThrowsAsync<ArgumentException>(() => s.CreateBackupAsync("local:100/vm-100-disk-0.raw", conf, []))).Message);
    }
}

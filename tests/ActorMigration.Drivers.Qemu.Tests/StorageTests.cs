using System.Runtime.InteropServices;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

public sealed class StorageTests(ITestOutputHelper output)
{
    private sealed class Recorder : IProgress<CopyProgress>
    {
        public List<CopyProgress> Seen { get; } = new();
        public void Report(CopyProgress value) { lock (Seen) Seen.Add(value); }
    }

    [Fact]
    public async Task Create_info_list_rename_readonly_and_delete()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st1").Storage;
        const string volid = "local:150/vm-150-disk-0.qcow2";
        Assert.Null(await s.InfoAsync(volid));

        var info = await s.CreateAsync(volid, "qcow2", 48L << 20);
        Assert.Equal("qcow2", info.Format);
        Assert.Equal(48L << 20, info.VirtualSize);
        Assert.Equal(Path.Combine(env.Root, "storage", "st1", "images", "150", "vm-150-disk-0.qcow2"), info.Path);
        Assert.True(info.ActualSize < info.VirtualSize);
        Assert.Null(info.BackingFile);
        Assert.Equal(info.Path, s.PathOf(volid));

        // Same request again: the existing volume; a different one: refused.
        Assert.Equal(info.VirtualSize, (await s.CreateAsync(volid, "qcow2", 48L << 20)).VirtualSize);
        await Assert.ThrowsAsync<IOException>(() => s.CreateAsync(volid, "qcow2", 96L << 20));
        await Assert.ThrowsAsync<ArgumentException>(() => s.CreateAsync("local:150/vm-150-disk-1.raw", "qcow2", 1 << 20));

        var raw = await s.CreateAsync("local:150/vm-150-disk-1.raw", "raw", 8L << 20);
        Assert.Equal("raw", raw.Format);
        var vmdk = await s.CreateAsync("local:151/vm-151-disk-0.vmdk", "vmdk", 8L << 20);
        Assert.Equal("vmdk", vmdk.Format);

        var listed = await s.ListAsync("local", 150);
        Assert.Equal(["local:150/vm-150-disk-0.qcow2", "local:150/vm-150-disk-1.raw"], listed.Select(v => v.VolId));
        Assert.Equal(3, (await s.ListAsync("local")).Count);

        await s.RenameAsync(volid, "local:150/base-150-disk-0.qcow2");
        await s.RenameAsync(volid, "local:150/base-150-disk-0.qcow2"); // done already: no-op
        Assert.Null(await s.InfoAsync(volid));
        await s.SetReadOnlyAsync("local:150/base-150-disk-0.qcow2", true);
        Assert.True((await s.InfoAsync("local:150/base-150-disk-0.qcow2"))!.ReadOnly);
        await s.SetReadOnlyAsync("local:150/base-150-disk-0.qcow2", false);
        Assert.False((await s.InfoAsync("local:150/base-150-disk-0.qcow2"))!.ReadOnly);

        await s.DeleteAsync("local:150/base-150-disk-0.qcow2");
        await s.DeleteAsync("local:150/base-150-disk-0.qcow2");
        Assert.Null(await s.InfoAsync("local:150/base-150-disk-0.qcow2"));
        Assert.Throws<ArgumentException>(() => s.PathOf("nosuch:150/vm-150-disk-0.raw"));
    }

    [Fact]
    public async Task Linked_clone_overlay_has_a_relative_backing_path_and_takes_the_base_size()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st2").Storage;
        const string baseVol = "local:9000/base-9000-disk-0.qcow2";
        var b = await s.CreateAsync(baseVol, "qcow2", 40L << 20);
        await s.SetReadOnlyAsync(baseVol, true);

        // Independent of the size asked for: 0, smaller or equal all give the base size.
        var c1 = await s.CreateAsync("local:101/vm-101-disk-0.qcow2", "qcow2", 0, baseVol);
        var c2 = await s.CreateAsync("local:102/vm-102-disk-0.qcow2", "qcow2", 40L << 20, baseVol);
        foreach (var c in new[] { c1, c2 })
        {
            Assert.Equal("../9000/base-9000-disk-0.qcow2", c.BackingFile);
            Assert.Equal(b.VirtualSize, c.VirtualSize);
        }
        await Assert.ThrowsAsync<ArgumentException>(() => s.CreateAsync("local:103/vm-103-disk-0.raw", "raw", 0, baseVol));

        // The relative backing path keeps working when the whole storage moves.
        var listed = await s.ListAsync("local", 101);
        Assert.Equal("local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2", Assert.Single(listed).VolId);
        Assert.Equal(c1.Path, s.PathOf("local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2"));

        var inUse = await Assert.ThrowsAsync<InvalidOperationException>(() => s.DeleteAsync(baseVol));
        Assert.Contains("101/vm-101-disk-0.qcow2", inUse.Message);
        await s.DeleteAsync("local:101/vm-101-disk-0.qcow2");
        await s.DeleteAsync("local:102/vm-102-disk-0.qcow2");
        await s.DeleteAsync(baseVol);
        Assert.Null(await s.InfoAsync(baseVol));
    }

    [Fact]
    public async Task Snapshots_create_rollback_delete_on_qcow2_only()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st3").Storage;
        var a = Path.Combine(env.Root, "a.raw");
        var b = Path.Combine(env.Root, "b.raw");
        Images.WritePatternRaw(a, 8L << 20, 1);
        Images.WritePatternRaw(b, 8L << 20, 2);
        var importA = Path.Combine(env.Root, "storage", "st3", "import", "a.raw");
        var importB = Path.Combine(env.Root, "storage", "st3", "import", "b.raw");
        Directory.CreateDirectory(Path.GetDirectoryName(importA)!);
        File.Copy(a, importA);
        File.Copy(b, importB);

        const string vol = "local:160/vm-160-disk-0.qcow2";
        await s.CreateAsync(vol, "qcow2", 8L << 20);
        await s.ConvertAsync("local:import/a.raw", vol, "qcow2");
        Assert.Equal(0, (await Images.CompareAsync(importA, s.PathOf(vol))).ExitCode);

        await s.SnapshotCreateAsync(vol, "before");
        await s.SnapshotCreateAsync(vol, "before"); // exists: no-op
        Assert.Equal(["before"], (await s.InfoAsync(vol))!.Snapshots);

        await s.ConvertAsync("local:import/b.raw", vol, "qcow2");
        Assert.Equal(0, (await Images.CompareAsync(importB, s.PathOf(vol))).ExitCode);

        // Export the snapshot's content while the live image differs.
        await s.ConvertAsync(vol, "local:161/vm-161-disk-0.raw", "raw", snapshot: "before");
        Assert.Equal(0, (await Images.CompareAsync(importA, s.PathOf("local:161/vm-161-disk-0.raw"))).ExitCode);

        await s.SnapshotRollbackAsync(vol, "before");
        Assert.Equal(0, (await Images.CompareAsync(importA, s.PathOf(vol))).ExitCode);
        await Assert.ThrowsAsync<InvalidOperationException>(() => s.SnapshotRollbackAsync(vol, "nosuch"));

        await s.SnapshotDeleteAsync(vol, "before");
        await s.SnapshotDeleteAsync(vol, "before");
        Assert.Empty((await s.InfoAsync(vol))!.Snapshots!);

        var rawVol = "local:162/vm-162-disk-0.raw";
        await s.CreateAsync(rawVol, "raw", 1 << 20);
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => s.SnapshotCreateAsync(rawVol, "x"));
        Assert.Contains("qcow2", e.Message);
    }

    [Fact]
    public async Task Offline_copy_through_an_nbd_export_on_another_node()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var n1 = env.AddNode("node1");
        var n2 = env.AddNode("node2");
        var raw = Path.Combine(env.Root, "storage", "node1", "import", "seed.raw");
        Images.WritePatternRaw(raw, 24L << 20, 7);
        const string vol = "local:170/vm-170-disk-0.qcow2";
        await n1.Storage.ConvertAsync("local:import/seed.raw", vol, "qcow2");

        await n2.Storage.CreateAsync(vol, "qcow2", 24L << 20);
        var export = await n2.Storage.ExportAsync(vol, writable: true);
        Assert.Equal(export, await n2.Storage.ExportAsync(vol, writable: true)); // same live export
        Assert.StartsWith("nbd://127.0.0.1:", export.Uri);
        var port = int.Parse(export.Uri.Split(':')[2].Split('/')[0]);
        Assert.InRange(port, n2.Settings.PortRangeStart, n2.Settings.PortRangeEnd);

        var progress = new Recorder();
        await n1.Storage.CopyToNbdAsync(vol, export.Uri, bwlimitKiB: 64 * 1024, progress);
        await n2.Storage.CloseExportAsync(export.ExportId);
        await n2.Storage.CloseExportAsync(export.ExportId); // closed: no-op
        Assert.Empty(ProcessScan.Find(env.Root, "qemu-nbd"));

        var (rc, text) = await Images.CompareAsync(n1.Storage.PathOf(vol), n2.Storage.PathOf(vol));
        Assert.True(rc == 0, text);
        Assert.Equal(new CopyProgress(24L << 20, 24L << 20), progress.Seen[^1]);

        // A read-only export refuses writes.
        var ro = await n2.Storage.ExportAsync(vol, writable: false);
        await Assert.ThrowsAsync<InvalidOperationException>(() => n1.Storage.CopyToNbdAsync(vol, ro.Uri));
        await n2.Storage.CloseExportAsync(ro.ExportId);
    }

    [Fact]
    public async Task File_copy_through_an_nbd_export_keeps_the_qcow2_internal_snapshots()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var n1 = env.AddNode("node1");
        var n2 = env.AddNode("node2");
        var raw = Path.Combine(env.Root, "storage", "node1", "import", "seed.raw");
        Images.WritePatternRaw(raw, 16L << 20, 9);
        const string vol = "local:171/vm-171-disk-0.qcow2";
        await n1.Storage.ConvertAsync("local:import/seed.raw", vol, "qcow2");
        await n1.Storage.SnapshotCreateAsync(vol, "s1");
        var src = (await n1.Storage.InfoAsync(vol))!;
        Assert.Equal(new FileInfo(src.Path).Length, src.FileLength);

        await n2.Storage.CreateAsync(vol, "qcow2", 1 << 20); // a leftover of an earlier attempt is replaced
        var export = await n2.Storage.ExportFileAsync(vol, src.FileLength!.Value);
        var progress = new Recorder();
        await n1.Storage.CopyFileToNbdAsync(vol, export.Uri, progress: progress);
        await n2.Storage.CloseExportAsync(export.ExportId);

        var dst = (await n2.Storage.InfoAsync(vol))!;
        Assert.Equal(("qcow2", 16L << 20), (dst.Format, dst.VirtualSize));
        Assert.Equal(["s1"], dst.Snapshots);
        var (rc, text) = await Images.CompareAsync(n1.Storage.PathOf(vol), n2.Storage.PathOf(vol));
        Assert.True(rc == 0, text);
        Assert.Equal(src.FileLength, progress.Seen[^1].DoneBytes);
    }

    [Fact]
    public async Task Backup_archive_round_trip()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st5").Storage;
        var seed0 = Path.Combine(env.Root, "storage", "st5", "import", "d0.raw");
        var seed1 = Path.Combine(env.Root, "storage", "st5", "import", "d1.raw");
        Images.WritePatternRaw(seed0, 16L << 20, 11);
        Images.WritePatternRaw(seed1, 4L << 20, 12);
        await s.ConvertAsync("local:import/d0.raw", "local:180/vm-180-disk-0.qcow2", "qcow2");
        await s.ConvertAsync("local:import/d1.raw", "local:180/vm-180-disk-1.raw", "raw");
        const string conf = "boot: order=scsi0\nmemory: 512\nscsi0: local:180/vm-180-disk-0.qcow2,size=16M\nvirtio0: local:180/vm-180-disk-1.raw,size=4M\n";
        const string backup = "local:backup/vzdump-qemu-180-2024_01_01-00_00_00.tar";

        var progress = new Recorder();
        await s.CreateBackupAsync(backup, conf, [("scsi0", "local:180/vm-180-disk-0.qcow2"), ("virtio0", "local:180/vm-180-disk-1.raw")], progress);
        Assert.Equal(20L << 20, progress.Seen[^1].DoneBytes);
        Assert.Equal(20L << 20, progress.Seen[^1].TotalBytes);

        var m = await s.ReadBackupAsync(backup);
        Assert.Equal(conf, m.ConfigText);
        Assert.Equal(["scsi0", "virtio0"], m.Disks.Select(d => d.Drive));
        Assert.Equal(["disk-scsi0.qcow2", "disk-virtio0.qcow2"], m.Disks.Select(d => d.FileName));
        Assert.Equal([16L << 20, 4L << 20], m.Disks.Select(d => d.SizeBytes));
        Assert.Contains((await s.ListAsync("local")).Select(v => v.VolId), v => v == backup);

        await s.RestoreDiskAsync(backup, "scsi0", "local:181/vm-181-disk-0.raw", "raw");
        await s.RestoreDiskAsync(backup, "virtio0", "local:181/vm-181-disk-1.qcow2", "qcow2");
        Assert.Equal(0, (await Images.CompareAsync(seed0, s.PathOf("local:181/vm-181-disk-0.raw"))).ExitCode);
        Assert.Equal(0, (await Images.CompareAsync(seed1, s.PathOf("local:181/vm-181-disk-1.qcow2"))).ExitCode);
        Assert.Equal("qcow2", (await s.InfoAsync("local:181/vm-181-disk-1.qcow2"))!.Format);
        await Assert.ThrowsAsync<InvalidOperationException>(() => s.RestoreDiskAsync(backup, "ide0", "local:181/vm-181-disk-2.raw", "raw"));
    }

    [Fact]
    public async Task ReadText_reads_import_files_and_refuses_escapes()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st6").Storage;
        var import = Path.Combine(env.Root, "storage", "st6", "import");
        Directory.CreateDirectory(import);
        await File.WriteAllTextAsync(Path.Combine(import, "vm.ovf"), "<Envelope/>");
        File.CreateSymbolicLink(Path.Combine(import, "evil.ovf"), "/etc/hostname");

        Assert.Equal("<Envelope/>", await s.ReadTextAsync("local:import/vm.ovf"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ReadTextAsync("local:import/evil.ovf"));
        Assert.Throws<FormatException>(() => s.PathOf("local:import/../../etc/passwd"));
        await Assert.ThrowsAsync<ArgumentException>(() => s.ReadTextAsync("local:150/vm-150-disk-0.raw"));
        await Assert.ThrowsAsync<FileNotFoundException>(() => s.ReadTextAsync("local:import/missing.ovf"));
    }

    [Theory]
    [InlineData(System.Formats.Tar.TarEntryFormat.Ustar)]
    [InlineData(System.Formats.Tar.TarEntryFormat.Pax)]
    public async Task Ova_member_is_read_in_place_at_its_offset(System.Formats.Tar.TarEntryFormat format)
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st7").Storage;
        var import = Path.Combine(env.Root, "storage", "st7", "import");
        Directory.CreateDirectory(import);
        var raw = Path.Combine(env.Root, "seed.raw");
        Images.WritePatternRaw(raw, 4L << 20, 7);
        var ova = Path.Combine(import, "vm.ova");
        await using (var fs = File.Create(ova))
        await using (var tar = new System.Formats.Tar.TarWriter(fs, format))
        {
            var ovf = Path.Combine(env.Root, "vm.ovf");
            await File.WriteAllTextAsync(ovf, "<Envelope/>");
            await tar.WriteEntryAsync(ovf, "vm.ovf");
            await tar.WriteEntryAsync(raw, "disk.raw");
        }
        Assert.Equal("<Envelope/>", await s.ReadTextAsync("local:import/vm.ova"));
        var info = await s.InfoAsync("local:import/vm.ova/disk.raw");
        Assert.Equal(("raw", 4L << 20, true), (info!.Format, info.VirtualSize, info.ReadOnly));
        Assert.Null(await s.InfoAsync("local:import/vm.ova/none.raw"));
        await s.ConvertAsync("local:import/vm.ova/disk.raw", "local:170/vm-170-disk-0.raw", "raw");
        Assert.Equal(0, (await Images.CompareAsync(raw, s.PathOf("local:170/vm-170-disk-0.raw"))).ExitCode);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [Fact]
    public async Task Listing_and_deleting_a_base_skip_fifos_and_links_among_images()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st8").Storage;
        const string baseVol = "local:9001/base-9001-disk-0.qcow2";
        await s.CreateAsync(baseVol, "qcow2", 8L << 20);
        var images = Path.Combine(env.Root, "storage", "st8", "images");
        Directory.CreateDirectory(Path.Combine(images, "201"));
        Assert.Equal(0, mkfifo(Path.Combine(images, "201", "vm-201-disk-0.qcow2"), Convert.ToUInt32("600", 8)));
        File.CreateSymbolicLink(Path.Combine(images, "201", "vm-201-disk-1.qcow2"), "/etc/passwd");

        var listed = await s.ListAsync("local").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([baseVol], listed.Select(v => v.VolId));
        await s.DeleteAsync(baseVol).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await s.InfoAsync(baseVol));
    }
}

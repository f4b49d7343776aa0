using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>
/// The data the QEMU storage driver writes, compared byte for byte (qemu-img compare). What every storage driver
/// does (sizes, formats, listings, errors) is in <see cref="Contract.StorageContract"/>.
/// </summary>
public sealed class StorageTests(ITestOutputHelper output)
{
    private sealed class Recorder : IProgress<CopyProgress>
    {
        public List<CopyProgress> Seen { get; } = new();
        public void Report(CopyProgress value) { lock (Seen) Seen.Add(value); }
    }

    [Fact]
    public async Task Snapshots_keep_and_restore_the_data()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st3").Storage;
        var importA = Path.Combine(env.Root, "storage", "st3", "import", "a.raw");
        var importB = Path.Combine(env.Root, "storage", "st3", "import", "b.raw");
        Images.WritePatternRaw(importA, 8L << 20, 1);
        Images.WritePatternRaw(importB, 8L << 20, 2);

        const string vol = "local:160/vm-160-disk-0.qcow2";
        await s.CreateAsync(vol, "qcow2", 8L << 20);
        await s.ConvertAsync("local:import/a.raw", vol, "qcow2");
        Assert.Equal(0, (await Images.CompareAsync(importA, s.PathOf(vol))).ExitCode);
        await s.SnapshotCreateAsync(vol, "before");
        await s.ConvertAsync("local:import/b.raw", vol, "qcow2");
        Assert.Equal(0, (await Images.CompareAsync(importB, s.PathOf(vol))).ExitCode);

        // Export the snapshot's content while the live image differs.
        await s.ConvertAsync(vol, "local:161/vm-161-disk-0.raw", "raw", snapshot: "before");
        Assert.Equal(0, (await Images.CompareAsync(importA, s.PathOf("local:161/vm-161-disk-0.raw"))).ExitCode);
        await s.SnapshotRollbackAsync(vol, "before");
        Assert.Equal(0, (await Images.CompareAsync(importA, s.PathOf(vol))).ExitCode);
    }

    /// <summary>Two nodes; <paramref name="vol"/> on node1 holds a pattern of <paramref name="size"/> bytes.</summary>
    private static async Task<(Node.QemuNodeDriver, Node.QemuNodeDriver)> TwoNodesAsync(TestEnv env, string vol, long size)
    {
        var (n1, n2) = (env.AddNode("node1"), env.AddNode("node2"));
        Images.WritePatternRaw(Path.Combine(env.Root, "storage", "node1", "import", "seed.raw"), size, 7);
        await n1.Storage.ConvertAsync("local:import/seed.raw", vol, "qcow2");
        return (n1, n2);
    }

    [Fact]
    public async Task Offline_copy_through_an_nbd_export_on_another_node()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        const string vol = "local:170/vm-170-disk-0.qcow2";
        var (n1, n2) = await TwoNodesAsync(env, vol, 24L << 20);

        await n2.Storage.CreateAsync(vol, "qcow2", 24L << 20);
        var export = await n2.Storage.ExportAsync(vol, writable: true);
        Assert.Equal(export, await n2.Storage.ExportAsync(vol, writable: true)); // same live export
        Assert.StartsWith("nbd://127.0.0.1:", export.Uri);
        var port = int.Parse(export.Uri.Split(':')[2].Split('/')[0]);
        Assert.InRange(port, n2.Settings.PortRangeStart, n2.Settings.PortRangeEnd);

        await n1.Storage.CopyToNbdAsync(vol, export.Uri, bwlimitKiB: 64 * 1024);
        await n2.Storage.CloseExportAsync(export.ExportId);
        Assert.Empty(ProcessScan.Find(env.Root, "qemu-nbd"));
        var (rc, text) = await Images.CompareAsync(n1.Storage.PathOf(vol), n2.Storage.PathOf(vol));
        Assert.True(rc == 0, text);
    }

    [Fact]
    public async Task File_copy_through_an_nbd_export_keeps_the_data_and_reports_the_file_length()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        const string vol = "local:171/vm-171-disk-0.qcow2";
        var (n1, n2) = await TwoNodesAsync(env, vol, 16L << 20);
        await n1.Storage.SnapshotCreateAsync(vol, "s1");
        var src = (await n1.Storage.InfoAsync(vol))!;

        var export = await n2.Storage.ExportFileAsync(vol, src.FileLength!.Value);
        var progress = new Recorder();
        await n1.Storage.CopyFileToNbdAsync(vol, export.Uri, progress: progress);
        await n2.Storage.CloseExportAsync(export.ExportId);

        var (rc, text) = await Images.CompareAsync(n1.Storage.PathOf(vol), n2.Storage.PathOf(vol));
        Assert.True(rc == 0, text);
        // The simulated driver reports its simulated time over the allocated bytes instead.
        Assert.Equal(src.FileLength, progress.Seen[^1].DoneBytes);
    }

    [Theory]
    [InlineData("", "75-73-74-61")]
    [InlineData(".zst", "28-B5-2F-FD")]
    [InlineData(".gz", "1F-8B-08-00")]
    public async Task Backup_archive_stores_qcow2_disks_and_restores_their_data(string compressed, string magic)
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
        var backup = "local:backup/vzdump-qemu-180-2024_01_01-00_00_00.tar" + compressed;
        await s.CreateBackupAsync(backup, conf, [("scsi0", "local:180/vm-180-disk-0.qcow2"), ("virtio0", "local:180/vm-180-disk-1.raw")]);
        // zstd and gzip compress the whole tar (a plain tar shows "usta" at offset 257).
        var head = File.ReadAllBytes(s.PathOf(backup));
        Assert.Equal(magic, BitConverter.ToString(compressed == "" ? head[257..261] : head[..4]));

        var m = await s.ReadBackupAsync(backup);
        Assert.Equal(["disk-scsi0.qcow2", "disk-virtio0.qcow2"], m.Disks.Select(d => d.FileName));
        await s.RestoreDiskAsync(backup, "scsi0", "local:181/vm-181-disk-0.raw", "raw");
        await s.RestoreDiskAsync(backup, "virtio0", "local:181/vm-181-disk-1.qcow2", "qcow2");
        Assert.Equal(0, (await Images.CompareAsync(seed0, s.PathOf("local:181/vm-181-disk-0.raw"))).ExitCode);
        Assert.Equal(0, (await Images.CompareAsync(seed1, s.PathOf("local:181/vm-181-disk-1.qcow2"))).ExitCode);
    }

    [Fact]
    public async Task Ova_member_is_imported_with_its_data()
    {
        await using var env = await TestEnv.CreateAsync(output, guest: false);
        var s = env.AddNode("st7").Storage;
        var import = Path.Combine(env.Root, "storage", "st7", "import");
        Directory.CreateDirectory(import);
        var raw = Path.Combine(env.Root, "seed.raw");
        Images.WritePatternRaw(raw, 4L << 20, 7);
        await using (var fs = File.Create(Path.Combine(import, "vm.ova")))
        await using (var tar = new System.Formats.Tar.TarWriter(fs, System.Formats.Tar.TarEntryFormat.Pax))
            await tar.WriteEntryAsync(raw, "disk.raw");
        await s.ConvertAsync("local:import/vm.ova/disk.raw", "local:170/vm-170-disk-0.raw", "raw");
        Assert.Equal(0, (await Images.CompareAsync(raw, s.PathOf("local:170/vm-170-disk-0.raw"))).ExitCode);
    }
}

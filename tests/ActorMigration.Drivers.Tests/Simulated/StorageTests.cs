using System.Formats.Tar;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Simulated;

public class StorageTests : IDisposable
{
    private readonly SimEnv _env = new(new SimulationOptions
    {
        LinkBandwidthBytesPerSec = 100 * MiB,
        DiskBandwidthBytesPerSec = 200 * MiB
    });

    public StorageTests() => _env.Clock.AutoAdvance = true;

    public void Dispose() => _env.Dispose();

    private sealed class ListProgress : IProgress<CopyProgress>
    {
        public List<CopyProgress> Reports { get; } = new();
        public void Report(CopyProgress value)
        {
            lock (Reports) Reports.Add(value);
        }
    }

    [Fact]
    public async Task Create_makes_a_sparse_file_of_the_virtual_size_and_delete_removes_it()
    {
        var st = _env.Node().Storage;
        var info = await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 32 * GiB);
        var path = Path.Combine(_env.Root, "pve1", "local", "images", "100", "vm-100-disk-0.raw");
        Assert.Equal(path, st.PathOf("local:100/vm-100-disk-0.raw"));
        Assert.Equal(path, info.Path);
        Assert.Equal(32 * GiB, new FileInfo(path).Length);
        Assert.Equal(("raw", 32 * GiB, 0L), (info.Format, info.VirtualSize, info.ActualSize));
        var again = await st.InfoAsync("local:100/vm-100-disk-0.raw");
        Assert.NotNull(again);
        Assert.Equal(info, again with { Snapshots = info.Snapshots });

        // The same request again (a retry) gives the volume; a larger one is refused.
        Assert.Equal(32 * GiB, (await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", GiB)).VirtualSize);
        await Assert.ThrowsAsync<IOException>(() => st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 64 * GiB));
        await Assert.ThrowsAsync<ArgumentException>(() => st.CreateAsync("local:100/vm-100-disk-1.raw", "qcow2", GiB));

        await st.DeleteAsync("local:100/vm-100-disk-0.raw");
        Assert.False(File.Exists(path));
        Assert.Null(await st.InfoAsync("local:100/vm-100-disk-0.raw"));
        await st.DeleteAsync("local:100/vm-100-disk-0.raw"); // no-op
    }

    [Fact]
    public async Task Per_node_and_shared_storages_resolve_to_their_paths()
    {
        var a = _env.Node("pve1").Storage;
        var b = _env.Node("pve2").Storage;
        await a.CreateAsync("local:100/vm-100-disk-0.raw", "raw", MiB);
        await a.CreateAsync("shared:100/vm-100-disk-1.qcow2", "qcow2", MiB);
        Assert.Null(await b.InfoAsync("local:100/vm-100-disk-0.raw"));
        Assert.NotNull(await b.InfoAsync("shared:100/vm-100-disk-1.qcow2"));
        Assert.Throws<ArgumentException>(() => a.PathOf("nosuch:100/vm-100-disk-0.raw"));
    }

    [Fact]
    public async Task Linked_clone_is_a_small_overlay_on_its_base()
    {
        var st = _env.Node().Storage;
        const string baseVol = "local:9000/base-9000-disk-0.qcow2";
        const string clone = "local:9000/base-9000-disk-0.qcow2/101/vm-101-disk-0.qcow2";
        await st.CreateAsync(baseVol, "qcow2", 8 * GiB);
        await st.SetReadOnlyAsync(baseVol, true);

        var info = await st.CreateAsync(clone, "qcow2", 0, baseVol);
        Assert.Equal(8 * GiB, info.VirtualSize);
        Assert.Equal("../9000/base-9000-disk-0.qcow2", info.BackingFile);
        Assert.True(new FileInfo(info.Path).Length < MiB);
        Assert.EndsWith("images/101/vm-101-disk-0.qcow2", info.Path);
        Assert.True((await st.InfoAsync(baseVol))!.ReadOnly);

        var listed = await st.ListAsync("local", 101);
        Assert.Equal([clone], listed.Select(v => v.VolId));

        await Assert.ThrowsAsync<InvalidOperationException>(() => st.DeleteAsync(baseVol));
        await st.DeleteAsync(clone);
        await st.DeleteAsync(baseVol);
        Assert.Empty(await st.ListAsync("local"));
    }

    [Fact]
    public async Task Rename_for_template_conversion_is_repeatable()
    {
        var st = _env.Node().Storage;
        await st.CreateAsync("local:100/vm-100-disk-0.qcow2", "qcow2", GiB);
        await st.RenameAsync("local:100/vm-100-disk-0.qcow2", "local:100/base-100-disk-0.qcow2");
        await st.RenameAsync("local:100/vm-100-disk-0.qcow2", "local:100/base-100-disk-0.qcow2"); // after a crash
        Assert.Null(await st.InfoAsync("local:100/vm-100-disk-0.qcow2"));
        Assert.Equal(GiB, (await st.InfoAsync("local:100/base-100-disk-0.qcow2"))!.VirtualSize);
        await Assert.ThrowsAsync<FileNotFoundException>(() =>
            st.RenameAsync("local:100/vm-100-disk-7.qcow2", "local:100/vm-100-disk-8.qcow2"));
    }

    [Fact]
    public async Task Snapshots_are_recorded_and_need_qcow2()
    {
        var st = _env.Node().Storage;
        const string vol = "local:100/vm-100-disk-0.qcow2";
        await st.CreateAsync(vol, "qcow2", GiB);
        await st.SnapshotCreateAsync(vol, "before");
        await st.SnapshotCreateAsync(vol, "before"); // exists: no-op
        Assert.Equal(["before"], (await st.InfoAsync(vol))!.Snapshots!);
        await st.SnapshotRollbackAsync(vol, "before");
        await Assert.ThrowsAsync<InvalidOperationException>(() => st.SnapshotRollbackAsync(vol, "nope"));
        await st.SnapshotDeleteAsync(vol, "before");
        await st.SnapshotDeleteAsync(vol, "before"); // no-op
        Assert.Empty((await st.InfoAsync(vol))!.Snapshots!);

        await st.CreateAsync("local:100/vm-100-disk-1.raw", "raw", GiB);
        await Assert.ThrowsAsync<NotSupportedException>(() => st.SnapshotCreateAsync("local:100/vm-100-disk-1.raw", "s"));
    }

    [Fact]
    public async Task Convert_copies_with_progress_into_a_new_volume()
    {
        var st = _env.Node().Storage;
        await st.CreateAsync("local:100/vm-100-disk-0.qcow2", "qcow2", 400 * MiB);
        await st.SnapshotCreateAsync("local:100/vm-100-disk-0.qcow2", "s1");
        var progress = new ListProgress();
        await st.ConvertAsync("local:100/vm-100-disk-0.qcow2", "local:101/vm-101-disk-0.raw", "raw", "s1", progress: progress);

        var info = (await st.InfoAsync("local:101/vm-101-disk-0.raw"))!;
        Assert.Equal(("raw", 400 * MiB), (info.Format, info.VirtualSize));
        Assert.Equal(400 * MiB, new FileInfo(info.Path).Length);
        Assert.True(progress.Reports.Count > 2);
        Assert.Equal(new CopyProgress(400 * MiB, 400 * MiB), progress.Reports[^1]);
        Assert.Equal(progress.Reports.Select(r => r.DoneBytes).Order(), progress.Reports.Select(r => r.DoneBytes));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            st.ConvertAsync("local:100/vm-100-disk-0.qcow2", "local:102/vm-102-disk-0.raw", "raw", "nope"));
        await Assert.ThrowsAsync<FileNotFoundException>(() =>
            st.ConvertAsync("local:100/vm-100-disk-9.qcow2", "local:102/vm-102-disk-0.raw", "raw"));
    }

    [Fact]
    public async Task Convert_takes_size_over_bandwidth_of_simulated_time()
    {
        _env.Clock.AutoAdvance = false;
        var st = _env.Node().Storage;
        await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 200 * MiB);
        // 200 MiB at 200 MiB/s disk speed, limited to 100 MiB/s by bwlimit: 2 s
        var start = _env.Clock.GetUtcNow();
        var copy = st.ConvertAsync("local:100/vm-100-disk-0.raw", "local:101/vm-101-disk-0.raw", "raw", bwlimitKiB: 100 * 1024);
        for (var i = 0; i < 19; i++)
        {
            _env.Clock.AdvanceSeconds(0.1);
            await Task.Delay(5);
        }
        Assert.False(copy.IsCompleted);
        // keep the clock moving until the copy notices it is done
        for (var i = 0; i < 2000 && !copy.IsCompleted; i++)
        {
            _env.Clock.AdvanceSeconds(0.01);
            await Task.Delay(5);
        }
        await copy;
        Assert.True(_env.Clock.GetUtcNow() - start >= TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Instant_copy_costs_no_time()
    {
        using var env = new SimEnv(new SimulationOptions { InstantCopy = true });
        var st = env.Node().Storage;
        await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 100 * GiB);
        var start = env.Clock.GetUtcNow();
        await st.ConvertAsync("local:100/vm-100-disk-0.raw", "local:101/vm-101-disk-0.raw", "raw")
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(start, env.Clock.GetUtcNow());
    }

    [Fact]
    public async Task Copy_to_an_nbd_export_of_another_node_writes_its_volume()
    {
        var source = _env.Node("pve1").Storage;
        var target = _env.Factory.Create(_env.Settings("pve2", 60100, 60109)).Storage;
        await source.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 300 * MiB);
        await target.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 300 * MiB);
        var export = await target.ExportAsync("local:100/vm-100-disk-0.raw", writable: true);
        Assert.StartsWith("sim-nbd://pve2:601", export.Uri);

        var progress = new ListProgress();
        await source.CopyToNbdAsync("local:100/vm-100-disk-0.raw", export.Uri, progress: progress);
        Assert.Equal(300 * MiB, progress.Reports[^1].DoneBytes);
        Assert.Equal(300 * MiB, new FileInfo(target.PathOf("local:100/vm-100-disk-0.raw")).Length);

        var readOnly = await target.ExportAsync("local:100/vm-100-disk-0.raw", writable: false);
        await Assert.ThrowsAsync<IOException>(() => source.CopyToNbdAsync("local:100/vm-100-disk-0.raw", readOnly.Uri));

        await target.CloseExportAsync(export.ExportId);
        await Assert.ThrowsAsync<IOException>(() => source.CopyToNbdAsync("local:100/vm-100-disk-0.raw", export.Uri));
        await target.CloseExportAsync(export.ExportId); // no-op

        await source.CreateAsync("local:100/vm-100-disk-1.raw", "raw", GiB);
        var small = await target.ExportAsync("local:100/vm-100-disk-0.raw", writable: true);
        await Assert.ThrowsAsync<IOException>(() => source.CopyToNbdAsync("local:100/vm-100-disk-1.raw", small.Uri));
    }

    [Fact]
    public async Task Backup_round_trip_through_a_real_tar()
    {
        var st = _env.Node().Storage;
        await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 64 * MiB);
        await st.CreateAsync("local:100/vm-100-disk-1.qcow2", "qcow2", 10 * GiB);
        const string backup = "local:backup/vzdump-qemu-100-2025_01_01-00_00_00.tar";
        const string config = "memory: 2048\nscsi0: local:100/vm-100-disk-0.raw,size=64M\nvirtio1: local:100/vm-100-disk-1.qcow2,size=10G\n";
        await st.CreateBackupAsync(backup, config, [("scsi0", "local:100/vm-100-disk-0.raw"), ("virtio1", "local:100/vm-100-disk-1.qcow2")]);

        var path = st.PathOf(backup);
        Assert.EndsWith("/dump/vzdump-qemu-100-2025_01_01-00_00_00.tar", path);
        var entries = new Dictionary<string, long>();
        await using (var fs = File.OpenRead(path))
        await using (var reader = new TarReader(fs))
            while (await reader.GetNextEntryAsync() is { } e) entries[e.Name] = e.Length;
        Assert.Equal(["qemu-server.conf", "manifest.json", "drive-scsi0.raw", "drive-virtio1.qcow2"], entries.Keys);
        Assert.Equal(64 * MiB, entries["drive-scsi0.raw"]);
        Assert.Equal(10 * GiB, entries["drive-virtio1.qcow2"]); // > 8 GiB: PAX size header

        var manifest = await st.ReadBackupAsync(backup);
        Assert.Equal(config, manifest.ConfigText);
        Assert.Equal([("scsi0", 64 * MiB, "raw"), ("virtio1", 10 * GiB, "qcow2")],
            manifest.Disks.Select(d => (d.Drive, d.SizeBytes, d.Format)));
        Assert.Contains(backup, (await st.ListAsync("local", 100)).Select(v => v.VolId));

        await st.RestoreDiskAsync(backup, "virtio1", "local:200/vm-200-disk-0.qcow2", "qcow2");
        Assert.Equal(10 * GiB, new FileInfo(st.PathOf("local:200/vm-200-disk-0.qcow2")).Length);
        await Assert.ThrowsAsync<InvalidOperationException>(() => st.RestoreDiskAsync(backup, "sata0", "local:200/vm-200-disk-1.raw", "raw"));
        await Assert.ThrowsAsync<IOException>(() => st.RestoreDiskAsync(backup, "virtio1", "local:200/vm-200-disk-0.qcow2", "qcow2"));
    }

    [Fact]
    public async Task Read_text_reads_import_files_and_refuses_escapes()
    {
        var st = _env.Node().Storage;
        var importDir = Path.Combine(_env.Root, "pve1", "local", "import");
        Directory.CreateDirectory(importDir);
        await File.WriteAllTextAsync(Path.Combine(importDir, "vm.ovf"), "<Envelope/>");
        Assert.Equal("<Envelope/>", await st.ReadTextAsync("local:import/vm.ovf"));

        var outside = Path.Combine(_env.Root, "secret.txt");
        await File.WriteAllTextAsync(outside, "secret");
        File.CreateSymbolicLink(Path.Combine(importDir, "link.ovf"), outside);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => st.ReadTextAsync("local:import/link.ovf"));
        Directory.CreateSymbolicLink(Path.Combine(importDir, "dirlink"), _env.Root);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => st.ReadTextAsync("local:import/dirlink/secret.txt"));
        await Assert.ThrowsAsync<FormatException>(() => st.ReadTextAsync("local:import/../../secret.txt"));
        await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", MiB);
        await Assert.ThrowsAsync<ArgumentException>(() => st.ReadTextAsync("local:100/vm-100-disk-0.raw"));
    }

    [Fact]
    public async Task Real_vmdk_without_sidecar_reports_its_header_size()
    {
        var st = _env.Node().Storage;
        var importDir = Path.Combine(_env.Root, "pve1", "local", "import");
        Directory.CreateDirectory(importDir);
        File.Copy(Path.Combine(Fixtures(), "ovf", "disk1.vmdk"), Path.Combine(importDir, "disk1.vmdk"));

        var info = (await st.InfoAsync("local:import/disk1.vmdk"))!;
        Assert.Equal("vmdk", info.Format);
        Assert.Equal(4 * 512, info.VirtualSize); // capacity in sectors from the sparse extent header
        Assert.Contains("local:import/disk1.vmdk", (await st.ListAsync("local")).Select(v => v.VolId));

        await st.ConvertAsync("local:import/disk1.vmdk", "local:120/vm-120-disk-0.raw", "raw");
        Assert.Equal(2048, new FileInfo(st.PathOf("local:120/vm-120-disk-0.raw")).Length);
    }

    private static string Fixtures()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures");
    }
}

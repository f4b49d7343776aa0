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
    public async Task Create_makes_a_sparse_file_of_the_virtual_size()
    {
        var st = _env.Node().Storage;
        var info = await st.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 32 * GiB);
        var path = Path.Combine(_env.Root, "pve1", "local", "images", "100", "vm-100-disk-0.raw");
        Assert.Equal(path, info.Path);
        Assert.Equal(32 * GiB, new FileInfo(path).Length);
        Assert.Equal(("raw", 32 * GiB, 0L), (info.Format, info.VirtualSize, info.ActualSize));
        Assert.Equal(info, (await st.InfoAsync("local:100/vm-100-disk-0.raw"))! with { Snapshots = info.Snapshots });
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
    public async Task Backup_is_a_real_tar_with_sparse_entries()
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

        // The simulated archive keeps each disk's format (the QEMU one stores qcow2).
        Assert.Equal(["raw", "qcow2"], (await st.ReadBackupAsync(backup)).Disks.Select(d => d.Format));

        await st.RestoreDiskAsync(backup, "virtio1", "local:200/vm-200-disk-0.qcow2", "qcow2");
        Assert.Equal(10 * GiB, new FileInfo(st.PathOf("local:200/vm-200-disk-0.qcow2")).Length);
        // Unlike qemu-img convert -n in the QEMU driver, the simulated restore refuses an existing target.
        await Assert.ThrowsAsync<IOException>(() => st.RestoreDiskAsync(backup, "virtio1", "local:200/vm-200-disk-0.qcow2", "qcow2"));
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

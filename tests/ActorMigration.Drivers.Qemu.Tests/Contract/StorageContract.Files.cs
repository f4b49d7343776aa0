using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>Text files (OVF, VMX), OVA imports and hostile archives.</summary>
public abstract partial class StorageContract
{
    private const long HugeSparse = 1536L << 20;

    private const string UnionManifest =
        """{"format":"actormigration-backup-1","createdAt":"2025-01-01T00:00:00Z","version":1,"created":"2025-01-01T00:00:00Z","disks":[]}""";

    [Fact]
    public async Task Read_text_reads_import_files_and_refuses_escapes()
    {
        var s = Node();
        var import = Dir("import");
        await File.WriteAllTextAsync(Path.Combine(import, "vm.ovf"), "<Envelope/>");
        File.CreateSymbolicLink(Path.Combine(import, "evil.ovf"), "/etc/hostname");
        Directory.CreateSymbolicLink(Path.Combine(import, "dirlink"), Env.Root);

        Assert.Equal("<Envelope/>", await s.ReadTextAsync("local:import/vm.ovf"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ReadTextAsync("local:import/evil.ovf"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ReadTextAsync("local:import/dirlink/owner.pid"));
        await Assert.ThrowsAsync<FormatException>(() => s.ReadTextAsync("local:import/../../owner.pid"));
        Assert.Equal("'local:150/vm-150-disk-0.raw' is not on an import or backup content path",
            (await Assert.ThrowsAsync<ArgumentException>(() => s.ReadTextAsync("local:150/vm-150-disk-0.raw"))).Message);
        await Assert.ThrowsAsync<FileNotFoundException>(() => s.ReadTextAsync("local:import/missing.ovf"));
    }

    [Fact]
    public async Task A_cloud_init_image_is_written_into_a_new_or_an_existing_volume()
    {
        var s = Node();
        const string vol = "local:100/vm-100-cloudinit.qcow2";
        var image = new Domain.CloudInit.NoCloudImage("#cloud-config\n", "version: 2\n", "instance-id: 100\n", "");
        await s.WriteCloudInitAsync(vol, image);
        Assert.Equal(("qcow2", Domain.CloudInit.CloudInitDrive.SizeBytes), Shape(await s.InfoAsync(vol)));
        await s.WriteCloudInitAsync(vol, image with { MetaData = "instance-id: 101\n" });
        Assert.Equal(("qcow2", Domain.CloudInit.CloudInitDrive.SizeBytes), Shape(await s.InfoAsync(vol)));
        Assert.Equal([vol], (await s.ListAsync("local", 100)).Select(v => v.VolId));
        await Assert.ThrowsAsync<ArgumentException>(() => s.WriteCloudInitAsync("local:import/x.raw", image));
    }

    [Theory]
    [InlineData(System.Formats.Tar.TarEntryFormat.Ustar)]
    [InlineData(System.Formats.Tar.TarEntryFormat.Pax)]
    public async Task The_disks_of_an_ova_are_read_in_place_and_imported(System.Formats.Tar.TarEntryFormat format)
    {
        var s = Node();
        var qcow = await s.CreateAsync("local:90/vm-90-disk-0.qcow2", "qcow2", 8 * MiB);
        var raw = Path.Combine(Env.Root, "seed.raw");
        Infrastructure.Images.WritePatternRaw(raw, 4 * MiB, 7);
        var ovf = Path.Combine(Env.Root, "vm.ovf");
        await File.WriteAllTextAsync(ovf, "<Envelope/>");
        await using (var fs = File.Create(Path.Combine(Dir("import"), "vm.ova")))
        await using (var tar = new System.Formats.Tar.TarWriter(fs, format))
        {
            await tar.WriteEntryAsync(ovf, "vm.ovf");
            await tar.WriteEntryAsync(raw, "disk.raw");
            await tar.WriteEntryAsync(qcow.Path, "disk2.qcow2");
            await tar.WriteEntryAsync(ovf, "notes.txt");
        }

        Assert.Equal("<Envelope/>", await s.ReadTextAsync("local:import/vm.ova"));
        var info = await s.InfoAsync("local:import/vm.ova/disk.raw");
        Assert.Equal(("raw", 4 * MiB, true), (info!.Format, info.VirtualSize, info.ReadOnly));
        Assert.Equal(("qcow2", 8 * MiB), Shape(await s.InfoAsync("local:import/vm.ova/disk2.qcow2")));
        Assert.Null(await s.InfoAsync("local:import/vm.ova/none.raw"));
        Assert.Null(await s.InfoAsync("local:import/vm.ova/notes.txt"));

        await s.ConvertAsync("local:import/vm.ova/disk.raw", "local:170/vm-170-disk-0.raw", "raw");
        await s.ConvertAsync("local:import/vm.ova/disk2.qcow2", "local:170/vm-170-disk-1.qcow2", "qcow2");
        Assert.Equal(("raw", 4 * MiB), Shape(await s.InfoAsync("local:170/vm-170-disk-0.raw")));
        Assert.Equal(("qcow2", 8 * MiB), Shape(await s.InfoAsync("local:170/vm-170-disk-1.qcow2")));
        await Assert.ThrowsAsync<FileNotFoundException>(() => s.ConvertAsync("local:import/vm.ova/none.raw", "local:171/vm-171-disk-0.raw", "raw"));
        Assert.Contains("local:import/vm.ova", (await s.ListAsync("local")).Select(v => v.VolId));
    }

    private string Archive(Action<TarBuilder> build)
    {
        var name = $"vzdump-qemu-100-{Guid.NewGuid():N}.tar";
        using (var t = TarBuilder.Create(Path.Combine(Dir("dump"), name))) build(t);
        return $"local:backup/{name}";
    }

    [Fact]
    public async Task A_backup_whose_first_entry_is_huge_is_read_without_reading_that_entry()
    {
        var s = Node();
        var volid = Archive(t => t.Sparse("junk.bin", HugeSparse).Text("qemu-server.conf", "memory: 512\n").Text("manifest.json", UnionManifest));
        var backup = await s.ReadBackupAsync(volid).WaitAsync(NoHang);
        Assert.Equal("memory: 512\n", backup.ConfigText);
        Assert.Empty(backup.Disks);
    }

    [Fact]
    public async Task Backup_config_entries_up_to_the_limit_are_read_and_larger_ones_refused()
    {
        var s = Node();
        var max = StorageFiles.MaxConfigEntryBytes;
        var ok = Archive(t => t.Text("qemu-server.conf", new string('#', max)).Text("manifest.json", UnionManifest));
        Assert.Equal(max, (await s.ReadBackupAsync(ok)).ConfigText.Length);

        var over = Archive(t => t.Text("qemu-server.conf", new string('#', max + 1)).Text("manifest.json", UnionManifest));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => s.ReadBackupAsync(over));
        Assert.Equal($"'{over}/qemu-server.conf' is too large ({max + 1} bytes, at most {max} are read)", e.Message);

        var huge = Archive(t => t.Sparse("qemu-server.conf", HugeSparse).Text("manifest.json", UnionManifest));
        await Assert.ThrowsAsync<InvalidDataException>(() => s.ReadBackupAsync(huge).WaitAsync(NoHang));
        var manifest = Archive(t => t.Text("qemu-server.conf", "memory: 512\n").Sparse("manifest.json", max + 1));
        await Assert.ThrowsAsync<InvalidDataException>(() => s.ReadBackupAsync(manifest).WaitAsync(NoHang));
    }

    [Fact]
    public async Task Archive_errors_name_the_volume_not_the_host_path()
    {
        var s = Node();
        var name = "vzdump-qemu-100-garbage.tar";
        await File.WriteAllTextAsync(Path.Combine(Dir("dump"), name), new string('x', 4096));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => s.ReadBackupAsync($"local:backup/{name}"));
        Assert.StartsWith($"'local:backup/{name}' is not a readable tar archive", e.Message);
        Assert.DoesNotContain(Env.Root, e.Message);

        var empty = Archive(_ => { });
        Assert.DoesNotContain(Env.Root, (await Assert.ThrowsAsync<InvalidDataException>(() => s.ReadBackupAsync(empty))).Message);
        Assert.DoesNotContain(Env.Root,
            (await Assert.ThrowsAsync<FileNotFoundException>(() => s.ReadBackupAsync("local:backup/vzdump-qemu-1-none.tar"))).Message);
    }
}

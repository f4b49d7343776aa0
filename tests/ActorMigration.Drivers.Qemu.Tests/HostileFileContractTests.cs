using System.Runtime.InteropServices;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using ActorMigration.Drivers.Simulated;
using ActorMigration.Drivers.Storage;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>
/// Both storage drivers (simulated and QEMU) against files a user placed in a storage: symlinks out of it, FIFOs,
/// hostile archives. Only qemu-img runs, no guest.
/// </summary>
public sealed class HostileFileContractTests(ITestOutputHelper output)
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(30);
    private const long HugeSparse = 1536L << 20;

    private const string UnionManifest =
        """{"format":"actormigration-backup-1","createdAt":"2025-01-01T00:00:00Z","version":1,"created":"2025-01-01T00:00:00Z","disks":[]}""";

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    private sealed record Env(TestEnv Test, IStorageDriver Storage, string Root) : IAsyncDisposable
    {
        public string Import => Path.Combine(Root, "import");
        public string Dump => Path.Combine(Root, "dump");
        public ValueTask DisposeAsync() => Test.DisposeAsync();
    }

    private async Task<Env> Create(string driver)
    {
        var test = await TestEnv.CreateAsync(output, guest: false);
        var node = $"{driver}node";
        var storage = driver == "sim"
            ? new SimulatedNodeDriverFactory(new SimulationOptions { InstantCopy = true }).Create(test.SettingsFor(node)).Storage
            : test.AddNode(node).Storage;
        var env = new Env(test, storage, Path.Combine(test.Root, "storage", node));
        Directory.CreateDirectory(env.Import);
        Directory.CreateDirectory(env.Dump);
        await File.WriteAllBytesAsync(Path.Combine(env.Import, "disk.raw"), new byte[1 << 20]);
        return env;
    }

    private static void NoHostPath(Env env, Exception e) => Assert.DoesNotContain(env.Test.Root, e.Message);

    [Theory]
    [InlineData("sim")]
    [InlineData("qemu")]
    public async Task Import_from_a_symlink_out_of_the_storage_copies_nothing(string driver)
    {
        await using var env = await Create(driver);
        File.CreateSymbolicLink(Path.Combine(env.Import, "passwd-link.raw"), "/etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(env.Import, "etc"), "/etc");
        File.CreateSymbolicLink(Path.Combine(env.Import, "relative.raw"), "../../../../../../../../etc/passwd");
        foreach (var src in new[] { "local:import/passwd-link.raw", "local:import/etc/passwd.raw", "local:import/relative.raw" })
        {
            var e = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => env.Storage.InfoAsync(src));
            Assert.Equal($"volume '{src}' leads outside its storage through a symlink", e.Message);
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => env.Storage.ConvertAsync(src, "local:100/vm-100-disk-0.raw", "raw"));
            Assert.Null(await env.Storage.InfoAsync("local:100/vm-100-disk-0.raw"));
        }
        // The listing leaves them out and goes on.
        Assert.Equal(["local:import/disk.raw"], (await env.Storage.ListAsync("local")).Select(v => v.VolId));
    }

    [Theory]
    [InlineData("sim")]
    [InlineData("qemu")]
    public async Task A_symlink_inside_the_storage_is_read_at_its_target(string driver)
    {
        await using var env = await Create(driver);
        File.CreateSymbolicLink(Path.Combine(env.Import, "alias.raw"), "disk.raw");
        var info = await env.Storage.InfoAsync("local:import/alias.raw");
        Assert.Equal(Path.Combine(env.Import, "disk.raw"), info!.Path);
        Assert.Equal(1 << 20, info.VirtualSize);
        await env.Storage.ConvertAsync("local:import/alias.raw", "local:100/vm-100-disk-0.raw", "raw");
        Assert.Equal(1 << 20, (await env.Storage.InfoAsync("local:100/vm-100-disk-0.raw"))!.VirtualSize);
    }

    [Theory]
    [InlineData("sim")]
    [InlineData("qemu")]
    public async Task A_fifo_is_refused_at_once_and_left_out_of_listings(string driver)
    {
        await using var env = await Create(driver);
        foreach (var name in new[] { "fifo.ovf", "fifo.raw" })
            Assert.Equal(0, mkfifo(Path.Combine(env.Import, name), Convert.ToUInt32("600", 8)));
        var text = await Assert.ThrowsAsync<IOException>(() => env.Storage.ReadTextAsync("local:import/fifo.ovf").WaitAsync(NoHang));
        Assert.Equal("volume 'local:import/fifo.ovf' is not a regular file (a FIFO)", text.Message);
        var info = await Assert.ThrowsAsync<IOException>(() => env.Storage.InfoAsync("local:import/fifo.raw").WaitAsync(NoHang));
        Assert.Equal("volume 'local:import/fifo.raw' is not a regular file (a FIFO)", info.Message);
        var listed = await env.Storage.ListAsync("local").WaitAsync(NoHang);
        Assert.Equal(["local:import/disk.raw"], listed.Select(v => v.VolId));
    }

    [Theory]
    [InlineData("sim")]
    [InlineData("qemu")]
    public async Task An_ova_descriptor_is_read_from_the_archive(string driver)
    {
        await using var env = await Create(driver);
        using (var t = TarBuilder.Create(Path.Combine(env.Import, "vm.ova"))) t.Text("vm.ovf", "<Envelope/>").Sparse("disk.raw", 1 << 20);
        Assert.Equal("<Envelope/>", await env.Storage.ReadTextAsync("local:import/vm.ova"));
    }

    private static string Archive(Env env, Action<TarBuilder> build)
    {
        var name = $"vzdump-qemu-100-{Guid.NewGuid():N}.tar";
        using (var t = TarBuilder.Create(Path.Combine(env.Dump, name))) build(t);
        return $"local:backup/{name}";
    }

    [Theory]
    [InlineData("sim")]
    [InlineData("qemu")]
    public async Task A_backup_whose_first_entry_is_huge_is_read_without_reading_that_entry(string driver)
    {
        await using var env = await Create(driver);
        var volid = Archive(env, t => t.Sparse("junk.bin", HugeSparse).Text("qemu-server.conf", "memory: 512\n").Text("manifest.json", UnionManifest));
        var backup = await env.Storage.ReadBackupAsync(volid).WaitAsync(NoHang);
        Assert.Equal("memory: 512\n", backup.ConfigText);
        Assert.Empty(backup.Disks);
    }

    [Theory]
    [InlineData("sim")]
    [InlineData("qemu")]
    public async Task Backup_config_entries_up_to_the_limit_are_read_and_larger_ones_refused(string driver)
    {
        await using var env = await Create(driver);
        var max = StorageFiles.MaxConfigEntryBytes;
        var ok = Archive(env, t => t.Text("qemu-server.conf", new string('#', max)).Text("manifest.json", UnionManifest));
        Assert.Equal(max, (await env.Storage.ReadBackupAsync(ok)).ConfigText.Length);

        var over = Archive(env, t => t.Text("qemu-server.conf", new string('#', max + 1)).Text("manifest.json", UnionManifest));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => env.Storage.ReadBackupAsync(over));
        Assert.Equal($"'{over}/qemu-server.conf' is too large ({max + 1} bytes, at most {max} are read)", e.Message);

        var huge = Archive(env, t => t.Sparse("qemu-server.conf", HugeSparse).Text("manifest.json", UnionManifest));
        await Assert.ThrowsAsync<InvalidDataException>(() => env.Storage.ReadBackupAsync(huge).WaitAsync(NoHang));
        var manifest = Archive(env, t => t.Text("qemu-server.conf", "memory: 512\n").Sparse("manifest.json", max + 1));
        await Assert.ThrowsAsync<InvalidDataException>(() => env.Storage.ReadBackupAsync(manifest).WaitAsync(NoHang));
    }

    [Theory]
    [InlineData("sim")]
    [InlineData("qemu")]
    public async Task Archive_errors_name_the_volume_not_the_host_path(string driver)
    {
        await using var env = await Create(driver);
        var name = "vzdump-qemu-100-garbage.tar";
        await File.WriteAllTextAsync(Path.Combine(env.Dump, name), new string('x', 4096));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => env.Storage.ReadBackupAsync($"local:backup/{name}"));
        Assert.StartsWith($"'local:backup/{name}' is not a readable tar archive", e.Message);
        NoHostPath(env, e);

        var empty = Archive(env, _ => { });
        NoHostPath(env, await Assert.ThrowsAsync<InvalidDataException>(() => env.Storage.ReadBackupAsync(empty)));
        NoHostPath(env, await Assert.ThrowsAsync<FileNotFoundException>(() => env.Storage.ReadBackupAsync("local:backup/vzdump-qemu-1-none.tar")));
    }
}

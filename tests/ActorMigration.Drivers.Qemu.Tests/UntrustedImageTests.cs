using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>
/// Crafted images against the QEMU storage driver with the real qemu-img: nothing outside the storage is read. A
/// secret file's bytes appear in no file of the storage, and a FIFO named as the reference is never even opened.
/// The refusal texts of both drivers are in <see cref="Contract.StorageContract"/>.
/// </summary>
public sealed class UntrustedImageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Target = "local:120/vm-120-disk-0.raw";
    private TestEnv? _env;
    private TestEnv Env => _env!;

    public async Task InitializeAsync() => _env = await TestEnv.CreateAsync(output, guest: false);

    public async Task DisposeAsync() => await _env!.DisposeAsync();

    private string Storage => Path.Combine(Env.Root, "storage", "node1");

    private string ImportDir()
    {
        var dir = Path.Combine(Storage, "import");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Places the crafted image referring to <paramref name="outside"/>; returns its volid.</summary>
    private async Task<string> CraftAsync(string kind, string outside)
    {
        var import = ImportDir();
        switch (kind)
        {
            case "backing":
                await CraftedImages.Qcow2WithBackingAsync(Path.Combine(import, "evil.qcow2"), outside);
                return "local:import/evil.qcow2";
            case "extent":
                CraftedImages.VmdkDescriptor(Path.Combine(import, "evil.vmdk"), outside);
                return "local:import/evil.vmdk";
            default:
                var data = Path.Combine(Env.Root, "data.raw");
                await CraftedImages.Qcow2WithDataFileAsync(Path.Combine(import, "evil.qcow2"), data);
                File.Delete(data);
                if (outside != data) File.Copy(outside, data);
                return "local:import/evil.qcow2";
        }
    }

    private async Task RefuseAsync(string volid)
    {
        var s = Env.AddNode("node1").Storage;
        await Assert.ThrowsAsync<InvalidDataException>(() => s.InfoAsync(volid).WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<InvalidDataException>(() => s.ConvertAsync(volid, Target, "raw").WaitAsync(TimeSpan.FromSeconds(30)));
        await s.ListAsync("local").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await s.InfoAsync(Target));
    }

    [Theory]
    [InlineData("backing")]
    [InlineData("extent")]
    [InlineData("data-file")]
    public async Task A_crafted_image_copies_no_byte_of_a_secret_outside(string kind)
    {
        var volid = await CraftAsync(kind, CraftedImages.Secret(Env.Root));
        await RefuseAsync(volid);
        Assert.False(CraftedImages.AnyFileHoldsSecret(Storage));
    }

    [Theory]
    [InlineData("backing")]
    [InlineData("extent")]
    [InlineData("data-file")]
    public async Task A_crafted_image_does_not_even_open_what_it_refers_to(string kind)
    {
        // The data file's name is written into the image when it is created: the FIFO takes its place afterwards.
        var fifo = Path.Combine(Env.Root, kind == "data-file" ? "data.raw" : "sentinel");
        var volid = await CraftAsync(kind, fifo);
        using var sentinel = new CraftedImages.Sentinel(fifo);
        await RefuseAsync(volid);
        Assert.False(sentinel.Opened, $"{kind}: the FIFO outside the storage was opened");
    }

    [Fact]
    public async Task A_raw_file_that_looks_like_qcow2_is_imported_as_its_own_bytes()
    {
        var secret = CraftedImages.Secret(Env.Root);
        var path = Path.Combine(ImportDir(), "disk.raw");
        await CraftedImages.Qcow2WithBackingAsync(path, secret);
        var s = Env.AddNode("node1").Storage;
        await s.ConvertAsync("local:import/disk.raw", Target, "raw");
        Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(s.PathOf(Target)));
        Assert.False(CraftedImages.AnyFileHoldsSecret(Storage));
        // Imported to qcow2 as well: the data is the file's bytes, not the backing file's.
        await s.ConvertAsync("local:import/disk.raw", "local:121/vm-121-disk-0.qcow2", "qcow2");
        Assert.Equal(0, (await Images.CompareAsync(path, s.PathOf("local:121/vm-121-disk-0.qcow2"), "raw", "qcow2")).ExitCode);
        Assert.Null((await s.InfoAsync("local:121/vm-121-disk-0.qcow2"))!.BackingFile);
    }
}

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>The storage rules against files a user placed in a storage: escapes through .. and symlinks, FIFOs.</summary>
public abstract partial class StorageContract
{
    private static string Escape(string volid) => $"volume '{volid}' leads outside its storage through a symlink";

    [Fact]
    public async Task Import_from_a_symlink_out_of_the_storage_copies_nothing()
    {
        var s = Node();
        var import = Dir("import");
        await File.WriteAllBytesAsync(Path.Combine(import, "disk.raw"), new byte[MiB]);
        File.CreateSymbolicLink(Path.Combine(import, "passwd-link.raw"), "/etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(import, "etc"), "/etc");
        File.CreateSymbolicLink(Path.Combine(import, "relative.raw"), "../../../../../../../../etc/passwd");
        foreach (var src in new[] { "local:import/passwd-link.raw", "local:import/etc/passwd.raw", "local:import/relative.raw" })
        {
            var e = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.InfoAsync(src));
            Assert.Equal(Escape(src), e.Message);
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ConvertAsync(src, "local:100/vm-100-disk-0.raw", "raw"));
            Assert.Null(await s.InfoAsync("local:100/vm-100-disk-0.raw"));
        }
        Assert.Throws<FormatException>(() => s.PathOf("local:import/../../etc/passwd"));
        // The listing leaves them out and goes on.
        Assert.Equal(["local:import/disk.raw"], (await s.ListAsync("local")).Select(v => v.VolId));
    }

    [Fact]
    public async Task A_symlinked_image_directory_does_not_let_a_volume_escape()
    {
        var s = Node();
        var outside = Path.Combine(Env.Root, "outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllBytesAsync(Path.Combine(outside, "vm-300-disk-0.raw"), new byte[MiB]);
        Directory.CreateSymbolicLink(Path.Combine(Dir("images"), "300"), outside);
        const string vol = "local:300/vm-300-disk-0.raw";

        Assert.Equal(Escape(vol), (await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.InfoAsync(vol))).Message);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.CreateAsync("local:300/vm-300-disk-1.raw", "raw", MiB));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.DeleteAsync(vol));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.RenameAsync(vol, "local:300/vm-300-disk-2.raw"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.SetReadOnlyAsync(vol, true));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ConvertAsync(Import("seed.raw", MiB), "local:300/vm-300-disk-3.raw", "raw"));
        Assert.Throws<UnauthorizedAccessException>(() => s.PathOf(vol));
        Assert.Equal(["vm-300-disk-0.raw"], Directory.GetFiles(outside).Select(Path.GetFileName));
        Assert.Empty(await s.ListAsync("local", 300));
    }

    [Fact]
    public async Task A_symlink_inside_the_storage_is_read_at_its_target()
    {
        var s = Node();
        var import = Dir("import");
        await File.WriteAllBytesAsync(Path.Combine(import, "disk.raw"), new byte[MiB]);
        File.CreateSymbolicLink(Path.Combine(import, "alias.raw"), "disk.raw");
        var info = await s.InfoAsync("local:import/alias.raw");
        Assert.Equal(Path.Combine(import, "disk.raw"), info!.Path);
        Assert.Equal(MiB, info.VirtualSize);
        await s.ConvertAsync("local:import/alias.raw", "local:100/vm-100-disk-0.raw", "raw");
        Assert.Equal(MiB, (await s.InfoAsync("local:100/vm-100-disk-0.raw"))!.VirtualSize);
    }

    [Fact]
    public async Task A_fifo_is_refused_at_once_and_left_out_of_listings()
    {
        var s = Node();
        var import = Dir("import");
        await File.WriteAllBytesAsync(Path.Combine(import, "disk.raw"), new byte[MiB]);
        foreach (var name in new[] { "fifo.ovf", "fifo.raw" }) Fifo(Path.Combine(import, name));
        var text = await Assert.ThrowsAsync<IOException>(() => s.ReadTextAsync("local:import/fifo.ovf").WaitAsync(NoHang));
        Assert.Equal("volume 'local:import/fifo.ovf' is not a regular file (a FIFO)", text.Message);
        var info = await Assert.ThrowsAsync<IOException>(() => s.InfoAsync("local:import/fifo.raw").WaitAsync(NoHang));
        Assert.Equal("volume 'local:import/fifo.raw' is not a regular file (a FIFO)", info.Message);
        Assert.Equal(["local:import/disk.raw"], (await s.ListAsync("local").WaitAsync(NoHang)).Select(v => v.VolId));
    }

    [Fact]
    public async Task Listing_and_deleting_a_base_skip_fifos_and_links_among_images()
    {
        var s = Node();
        const string baseVol = "local:9001/base-9001-disk-0.qcow2";
        await s.CreateAsync(baseVol, "qcow2", 8 * MiB);
        var dir = Path.Combine(Dir("images"), "201");
        Directory.CreateDirectory(dir);
        Fifo(Path.Combine(dir, "vm-201-disk-0.qcow2"));
        File.CreateSymbolicLink(Path.Combine(dir, "vm-201-disk-1.qcow2"), "/etc/passwd");

        Assert.Equal([baseVol], (await s.ListAsync("local").WaitAsync(NoHang)).Select(v => v.VolId));
        await s.DeleteAsync(baseVol).WaitAsync(NoHang);
        Assert.Null(await s.InfoAsync(baseVol));
    }
}

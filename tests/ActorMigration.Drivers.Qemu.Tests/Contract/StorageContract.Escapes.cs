using System.Diagnostics;

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>
/// Every escape route out of a storage, against both drivers: a content directory that is a symlink (import, ISO,
/// backups, a VM's image directory), absolute paths and .. in a volume id, device nodes. Symlinked final files, .. in
/// symlinks, FIFOs are in StorageContract.Rules, OVA members and VMDK extents in StorageContract.Untrusted.
/// A hard link is the file itself: it passes as a regular file (no rule; the kernel's protected_hardlinks decides
/// who may link what).
/// </summary>
public abstract partial class StorageContract
{
    /// <summary>A directory outside every storage with one file of each kind a content directory holds.</summary>
    private string Outside()
    {
        var outside = Path.Combine(Env.Root, "outside");
        Directory.CreateDirectory(outside);
        foreach (var name in new[] { "disk.raw", "cd.iso", "vzdump-qemu-100-x.tar", "vm-400-disk-0.raw", "vm.ovf" })
            File.WriteAllBytes(Path.Combine(outside, name), new byte[MiB]);
        return outside;
    }

    [Theory]
    [InlineData("import", "local:import/disk.raw")]
    [InlineData("template/iso", "local:iso/cd.iso")]
    [InlineData("dump", "local:backup/vzdump-qemu-100-x.tar")]
    [InlineData("images/400", "local:400/vm-400-disk-0.raw")]
    public async Task A_symlinked_content_directory_leads_nowhere(string dir, string volid)
    {
        var s = Node();
        var link = Path.Combine(Env.Root, "storage", "node1", dir);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        Directory.CreateSymbolicLink(link, Outside());

        Assert.Equal(Escape(volid), (await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.InfoAsync(volid))).Message);
        Assert.Throws<UnauthorizedAccessException>(() => s.PathOf(volid));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ConvertAsync(volid, Target, "raw"));
        if (dir == "dump") await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ReadBackupAsync(volid));
        if (dir == "import") await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ReadTextAsync("local:import/vm.ovf"));
        if (dir == "images/400")
        {
            var image = new Domain.CloudInit.NoCloudImage("#cloud-config\n", "", "instance-id: 400\n", "");
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.WriteCloudInitAsync("local:400/vm-400-cloudinit.qcow2", image));
        }
        Assert.Null(await s.InfoAsync(Target));
        Assert.Equal(5, Directory.GetFiles(Path.Combine(Env.Root, "outside")).Length);
        Assert.DoesNotContain(volid, (await s.ListAsync("local")).Select(v => v.VolId));
    }

    [Theory]
    [InlineData("local:/etc/passwd")]
    [InlineData("local:import//etc/passwd.raw")]
    [InlineData("local:import/../../../etc/passwd.raw")]
    [InlineData("local:import/sub/../../x.raw")]
    [InlineData("local:100/../../../etc/passwd.raw")]
    [InlineData("local:iso/../../x.iso")]
    [InlineData("local:backup/../x.tar")]
    public async Task An_absolute_path_or_dotdot_in_a_volume_id_is_no_volume(string volid)
    {
        var s = Node();
        Assert.Throws<FormatException>(() => s.PathOf(volid));
        await Assert.ThrowsAsync<FormatException>(() => s.InfoAsync(volid));
        await Assert.ThrowsAsync<FormatException>(() => s.ConvertAsync(volid, Target, "raw"));
        Assert.Null(await s.InfoAsync(Target));
    }

    [Fact]
    public async Task A_device_node_is_no_volume()
    {
        // Device nodes need root (mknod); the FIFO tests cover the same rule (only regular files are opened) otherwise.
        if (Environment.UserName != "root") return;
        var s = Node();
        var dev = Path.Combine(Dir("import"), "zero.raw");
        using (var p = Process.Start("mknod", [dev, "c", "1", "5"])) await p.WaitForExitAsync();
        var e = await Assert.ThrowsAsync<IOException>(() => s.InfoAsync("local:import/zero.raw").WaitAsync(NoHang));
        Assert.Equal("volume 'local:import/zero.raw' is not a regular file (a device)", e.Message);
        await Assert.ThrowsAsync<IOException>(() => s.ConvertAsync("local:import/zero.raw", Target, "raw").WaitAsync(NoHang));
        Assert.Null(await s.InfoAsync(Target));
    }
}

using ActorMigration.Drivers.Qemu.Tests.Infrastructure;

namespace ActorMigration.Drivers.Qemu.Tests.Contract;

/// <summary>
/// Crafted images in the import directory (built with the real qemu-img, VMDK descriptors by hand): both drivers
/// refuse each with the same text before anything opens what it refers to, and leave no volume behind.
/// The bytes of what the QEMU driver writes are checked in <see cref="UntrustedImageTests"/>.
/// </summary>
public abstract partial class StorageContract
{
    private const string Target = "local:120/vm-120-disk-0.raw";

    private static string Backing(string volid) => $"backing file not allowed for untrusted image '{volid}'!";

    private static string ExtentOutside(string volid, string extent) =>
        $"{volid}: extent '{extent}' is not allowed - only a file beside the descriptor is";

    /// <summary>Info, the pre-check of an import, and the copy itself are refused with <paramref name="why"/>; nothing is written.</summary>
    private async Task RefusedAsync(string volid, string why)
    {
        var s = Node();
        Assert.Equal(why, (await Assert.ThrowsAsync<InvalidDataException>(() => s.InfoAsync(volid).WaitAsync(NoHang))).Message);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => s.ConvertAsync(volid, Target, "raw").WaitAsync(NoHang));
        Assert.Equal(why, e.Message);
        Assert.Null(await s.InfoAsync(Target));
        Assert.False(Directory.Exists(Path.Combine(Env.Root, "storage", "node1", "images", "120")));
        Assert.DoesNotContain(volid, (await s.ListAsync("local")).Select(v => v.VolId));
    }

    [Fact]
    public async Task A_qcow2_with_a_backing_file_outside_is_refused()
    {
        var secret = CraftedImages.Secret(Env.Root);
        await CraftedImages.Qcow2WithBackingAsync(Path.Combine(Dir("import"), "evil.qcow2"), secret);
        await RefusedAsync("local:import/evil.qcow2", Backing("local:import/evil.qcow2"));
    }

    [Fact]
    public async Task A_qcow2_with_a_backing_file_inside_the_storage_is_refused_too()
    {
        Import("base.raw", MiB);
        await CraftedImages.Qcow2WithBackingAsync(Path.Combine(Dir("import"), "overlay.qcow2"), "base.raw");
        await RefusedAsync("local:import/overlay.qcow2", Backing("local:import/overlay.qcow2"));
    }

    [Fact]
    public async Task A_qcow2_with_an_external_data_file_is_refused()
    {
        var data = Path.Combine(Env.Root, "data.raw");
        await CraftedImages.Qcow2WithDataFileAsync(Path.Combine(Dir("import"), "data.qcow2"), data);
        await RefusedAsync("local:import/data.qcow2", "local:import/data.qcow2: 'data-file' references are not allowed!");
    }

    [Theory]
    [InlineData("abs")]
    [InlineData("dotdot")]
    public async Task A_vmdk_extent_outside_the_descriptors_directory_is_refused(string how)
    {
        var secret = CraftedImages.Secret(Env.Root);
        var extent = how == "abs" ? secret : "../../../secret.bin";
        CraftedImages.VmdkDescriptor(Path.Combine(Dir("import"), "evil.vmdk"), extent);
        await RefusedAsync("local:import/evil.vmdk", ExtentOutside("local:import/evil.vmdk", extent));
    }

    [Fact]
    public async Task A_vmdk_extent_through_a_symlink_out_is_refused()
    {
        var secret = CraftedImages.Secret(Env.Root);
        var import = Dir("import");
        File.CreateSymbolicLink(Path.Combine(import, "evil-flat.vmdk"), secret);
        CraftedImages.VmdkDescriptor(Path.Combine(import, "evil.vmdk"), "evil-flat.vmdk");
        var s = Node();
        var e = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => s.ConvertAsync("local:import/evil.vmdk", Target, "raw"));
        Assert.Equal("volume 'local:import/evil-flat.vmdk' leads outside its storage through a symlink", e.Message);
        Assert.Null(await s.InfoAsync(Target));

        // A link to another directory of the same storage is refused as well: an extent lies beside its descriptor.
        Import("elsewhere.raw", MiB);
        Directory.CreateDirectory(Path.Combine(import, "sub"));
        File.CreateSymbolicLink(Path.Combine(import, "sub", "x-flat.vmdk"), "../elsewhere.raw");
        CraftedImages.VmdkDescriptor(Path.Combine(import, "sub", "x.vmdk"), "x-flat.vmdk");
        var inside = await Assert.ThrowsAsync<InvalidDataException>(() => s.InfoAsync("local:import/sub/x.vmdk"));
        Assert.Equal("local:import/sub/x.vmdk: extent 'x-flat.vmdk' is not allowed - it leads out of the descriptor's directory", inside.Message);
    }

    [Fact]
    public async Task A_descriptor_with_its_flat_extent_beside_it_is_imported()
    {
        var import = Dir("import");
        Import("web-flat.vmdk", 2 * MiB);
        CraftedImages.VmdkDescriptor(Path.Combine(import, "web.vmdk"), "web-flat.vmdk", sectors: 4096);
        var s = Node();
        Assert.Equal(("vmdk", 2 * MiB), Shape(await s.InfoAsync("local:import/web.vmdk")));
        await s.ConvertAsync("local:import/web.vmdk", Target, "raw");
        Assert.Equal(("raw", 2 * MiB), Shape(await s.InfoAsync(Target)));
    }

    [Fact]
    public async Task A_raw_file_with_a_qcow2_header_is_read_as_raw()
    {
        var secret = CraftedImages.Secret(Env.Root);
        var path = Path.Combine(Dir("import"), "looks-like-qcow2.raw");
        await CraftedImages.Qcow2WithBackingAsync(path, secret);
        var s = Node();
        var length = new FileInfo(path).Length;
        Assert.Equal(("raw", length), Shape(await s.InfoAsync("local:import/looks-like-qcow2.raw")));
        await s.ConvertAsync("local:import/looks-like-qcow2.raw", Target, "raw");
        Assert.Equal(("raw", length), Shape(await s.InfoAsync(Target)));

        // An image volume too: its format (and so QEMU's -blockdev driver at start) is the name's, not the header's.
        var image = Path.Combine(Dir("images"), "122", "vm-122-disk-0.raw");
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        File.Copy(path, image);
        Assert.Equal(("raw", length), Shape(await s.InfoAsync("local:122/vm-122-disk-0.raw")));
        Assert.Null((await s.InfoAsync("local:122/vm-122-disk-0.raw"))!.BackingFile);
    }

    [Fact]
    public async Task Crafted_disks_inside_an_ova_are_refused()
    {
        var secret = CraftedImages.Secret(Env.Root);
        var qcow = Path.Combine(Env.Root, "evil.qcow2");
        await CraftedImages.Qcow2WithBackingAsync(qcow, secret);
        var vmdk = Path.Combine(Env.Root, "evil.vmdk");
        CraftedImages.VmdkDescriptor(vmdk, "disk-flat.vmdk");
        using (var t = TarBuilder.Create(Path.Combine(Dir("import"), "vm.ova")))
            t.Text("vm.ovf", "<Envelope/>").Bytes("evil.qcow2", File.ReadAllBytes(qcow)).Bytes("evil.vmdk", File.ReadAllBytes(vmdk))
                .Bytes("disk-flat.vmdk", new byte[MiB]).Bytes("../up.raw", new byte[MiB]);

        await RefusedAsync("local:import/vm.ova/evil.qcow2", Backing("local:import/vm.ova/evil.qcow2"));
        await RefusedAsync("local:import/vm.ova/evil.vmdk",
            "local:import/vm.ova/evil.vmdk: extent 'disk-flat.vmdk' is not allowed - a disk inside an archive must not refer to other files");
        // A member named with ../ cannot even be named.
        Assert.Throws<FormatException>(() => Node().PathOf("local:import/vm.ova/../up.raw"));
        await Assert.ThrowsAsync<FormatException>(() => Node().ConvertAsync("local:import/vm.ova/../up.raw", Target, "raw"));
    }

    [Fact]
    public async Task A_backup_disk_of_another_format_than_qcow2_or_raw_is_not_restored()
    {
        var secret = CraftedImages.Secret(Env.Root);
        var vmdk = Path.Combine(Env.Root, "evil.vmdk");
        CraftedImages.VmdkDescriptor(vmdk, secret);
        const string manifest = """
            {"format":"actormigration-backup-1","createdAt":"2025-01-01T00:00:00Z","version":1,"created":"2025-01-01T00:00:00Z",
             "disks":[{"drive":"scsi0","fileName":"disk-scsi0.vmdk","format":"vmdk","sizeBytes":1048576,"allocated":0,
             "sourceVolId":"local:100/vm-100-disk-0.vmdk"}]}
            """;
        var backup = Archive(t => t.Text("manifest.json", manifest).Text("qemu-server.conf", "memory: 512\n")
            .Bytes("disk-scsi0.vmdk", File.ReadAllBytes(vmdk)));
        var s = Node();
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => s.RestoreDiskAsync(backup, "scsi0", Target, "raw"));
        Assert.Equal($"backup '{backup}': disk 'scsi0' has format 'vmdk' - only qcow2 or raw is restored", e.Message);
        Assert.Null(await s.InfoAsync(Target));
    }
}

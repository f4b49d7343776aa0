using System.Runtime.InteropServices;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Tests.Storage;

public sealed class StorageFilesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "storagefiles-tests", Guid.NewGuid().ToString("N"));
    private string Root => Path.Combine(_dir, "storage");
    private string Outside => Path.Combine(_dir, "outside");

    public StorageFilesTests()
    {
        Directory.CreateDirectory(Path.Combine(Root, "import", "sub"));
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Root, "import", "disk.raw"), "inside");
        File.WriteAllText(Path.Combine(Outside, "secret.raw"), "secret");
    }

    public void Dispose() => Directory.Delete(_dir, true);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    private StoragePath Resolve(string rel) => StorageFiles.Resolve(Root, rel, "local:" + rel);

    private void Link(string rel, string target) => File.CreateSymbolicLink(Path.Combine(Root, rel), target);

    [Fact]
    public void A_plain_file_resolves_to_its_path()
    {
        var f = Resolve("import/disk.raw");
        Assert.Equal((FileKind.Regular, Path.Combine(Root, "import", "disk.raw")), (f.Kind, f.Path));
        Assert.Equal("inside", File.ReadAllText(f.RequireFile().Path));
    }

    [Theory]
    [InlineData("disk.raw")]                 // relative, same directory
    [InlineData("sub/../disk.raw")]
    [InlineData("../import/disk.raw")]
    public void A_symlink_inside_the_storage_resolves_to_its_target(string target)
    {
        Link("import/link.raw", target);
        var f = Resolve("import/link.raw");
        Assert.Equal((FileKind.Regular, Path.Combine(Root, "import", "disk.raw")), (f.Kind, f.Path));
    }

    [Fact]
    public void An_absolute_symlink_inside_the_storage_and_a_symlinked_directory_inside_it_are_followed()
    {
        Link("import/abs.raw", Path.Combine(Root, "import", "disk.raw"));
        Assert.Equal(Path.Combine(Root, "import", "disk.raw"), Resolve("import/abs.raw").Path);
        Directory.CreateSymbolicLink(Path.Combine(Root, "import", "dirlink"), "sub/..");
        Assert.Equal(Path.Combine(Root, "import", "disk.raw"), Resolve("import/dirlink/disk.raw").Path);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../../outside/secret.raw")]
    [InlineData("sub/../../../outside/secret.raw")]
    public void A_symlink_out_of_the_storage_is_refused_naming_the_volume(string target)
    {
        Link("import/passwd-link.raw", target);
        var e = Assert.Throws<UnauthorizedAccessException>(() => Resolve("import/passwd-link.raw"));
        Assert.Equal("volume 'local:import/passwd-link.raw' leads outside its storage through a symlink", e.Message);
    }

    [Fact]
    public void A_symlinked_directory_out_of_the_storage_and_chains_that_end_outside_are_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(Root, "import", "dirlink"), Outside);
        Assert.Throws<UnauthorizedAccessException>(() => Resolve("import/dirlink/secret.raw"));
        Link("import/hop1.raw", "hop2.raw");
        Link("import/hop2.raw", Path.Combine(Outside, "secret.raw"));
        Assert.Throws<UnauthorizedAccessException>(() => Resolve("import/hop1.raw"));
    }

    [Fact]
    public void A_symlink_loop_is_an_error()
    {
        Link("import/a.raw", "b.raw");
        Link("import/b.raw", "a.raw");
        Assert.Contains("too many levels", Assert.Throws<IOException>(() => Resolve("import/a.raw")).Message);
    }

    [Fact]
    public void A_symlinked_storage_root_is_allowed_and_kept_in_the_path()
    {
        var alias = Path.Combine(_dir, "alias");
        Directory.CreateSymbolicLink(alias, Root);
        Link("import/abs.raw", Path.Combine(Root, "import", "disk.raw"));
        var f = StorageFiles.Resolve(alias, "import/abs.raw", "local:import/abs.raw");
        Assert.Equal((FileKind.Regular, Path.Combine(alias, "import", "disk.raw")), (f.Kind, f.Path));
        // An absolute link may name the root as configured too, but not leave it that way.
        Link("import/via-alias.raw", Path.Combine(alias, "import", "disk.raw"));
        Assert.Equal(Path.Combine(alias, "import", "disk.raw"), StorageFiles.Resolve(alias, "import/via-alias.raw", "v").Path);
        Link("import/alias-out.raw", Path.Combine(alias, "..", "outside", "secret.raw"));
        Assert.Throws<UnauthorizedAccessException>(() => StorageFiles.Resolve(alias, "import/alias-out.raw", "v"));
    }

    [Fact]
    public void A_missing_file_keeps_its_path_and_RequireFile_names_the_volume()
    {
        var f = Resolve("images/100/vm-100-disk-0.raw");
        Assert.Equal((FileKind.Missing, Path.Combine(Root, "images", "100", "vm-100-disk-0.raw")), (f.Kind, f.Path));
        Assert.Equal("volume 'local:images/100/vm-100-disk-0.raw' does not exist", Assert.Throws<FileNotFoundException>(() => f.RequireFile()).Message);
        // Below a regular file nothing exists (an OVA member path).
        Assert.Equal(FileKind.Missing, Resolve("import/disk.raw/member.vmdk").Kind);
    }

    [Fact]
    public async Task A_fifo_or_directory_is_refused_before_anything_opens_it()
    {
        Assert.Equal(0, mkfifo(Path.Combine(Root, "import", "fifo.ovf"), Convert.ToUInt32("600", 8)));
        var fifo = Resolve("import/fifo.ovf");
        Assert.Equal(FileKind.Fifo, fifo.Kind);
        // Without the check, opening a FIFO blocks until a writer comes: bounded here so a regression fails instead of hanging.
        var e = await Assert.ThrowsAsync<IOException>(() => Task.Run(() => StorageFiles.OpenRead(fifo)).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("volume 'local:import/fifo.ovf' is not a regular file (a FIFO)", e.Message);
        await Assert.ThrowsAsync<IOException>(() => StorageFiles.ReadDescriptorAsync(fifo).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("a directory", Assert.Throws<IOException>(() => Resolve("import/sub").RequireFile()).Message);
    }

    [Fact]
    public void A_file_swapped_after_it_was_checked_is_not_opened()
    {
        var f = Resolve("import/disk.raw");
        File.Move(Path.Combine(Outside, "secret.raw"), Path.Combine(Root, "import", "disk.raw"), overwrite: true);
        Assert.Contains("changed while it was opened", Assert.Throws<IOException>(() => StorageFiles.OpenRead(f)).Message);

        var g = Resolve("import/disk.raw");
        File.Delete(g.Path);
        File.CreateSymbolicLink(g.Path, "/etc/passwd");
        Assert.Contains("changed while it was opened", Assert.Throws<IOException>(() => StorageFiles.OpenRead(g)).Message);
    }

    [Fact]
    public async Task Text_up_to_the_limit_is_read_and_one_byte_more_is_refused()
    {
        File.WriteAllText(Path.Combine(Root, "import", "max.ovf"), new string('x', StorageFiles.MaxTextBytes));
        Assert.Equal(StorageFiles.MaxTextBytes, (await StorageFiles.ReadDescriptorAsync(Resolve("import/max.ovf"))).Length);
        File.WriteAllText(Path.Combine(Root, "import", "over.ovf"), new string('x', StorageFiles.MaxTextBytes + 1));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => StorageFiles.ReadDescriptorAsync(Resolve("import/over.ovf")));
        Assert.Equal($"'local:import/over.ovf' is too large ({StorageFiles.MaxTextBytes + 1} bytes, at most {StorageFiles.MaxTextBytes} are read)", e.Message);
    }

    [Fact]
    public async Task An_ova_descriptor_is_its_first_top_level_ovf_member()
    {
        using (var t = TarBuilder.Create(Path.Combine(Root, "import", "vm.ova")))
            t.Text("sub/nested.ovf", "nested").Text("vm.ovf", "<Envelope/>").Text("other.ovf", "other").Sparse("disk.vmdk", 1 << 20);
        Assert.Equal("<Envelope/>", await StorageFiles.ReadDescriptorAsync(Resolve("import/vm.ova")));
        using (var t = TarBuilder.Create(Path.Combine(Root, "import", "none.ova"))) t.Text("disk.vmdk", "x");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => StorageFiles.ReadDescriptorAsync(Resolve("import/none.ova")));
        Assert.Equal("'local:import/none.ova' has no .ovf descriptor", e.Message);
    }

    [Fact]
    public async Task A_blocked_read_gives_the_caller_a_timeout()
    {
        using var never = new ManualResetEventSlim();
        var e = await Assert.ThrowsAsync<TimeoutException>(() => StorageFiles.BoundedAsync("reading 'local:import/x.ovf'", _ =>
        {
            never.Wait();  // a system call that does not return
            return Task.FromResult(0);
        }, CancellationToken.None, TimeSpan.FromMilliseconds(200)));
        Assert.Equal("reading 'local:import/x.ovf' timed out after 0.2 s", e.Message);
        never.Set();
    }
}

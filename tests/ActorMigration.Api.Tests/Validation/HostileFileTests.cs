using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>A member on the simulated driver whose node1 import and dump directories tests fill with hostile files.</summary>
public sealed class HostileFileFixture : IAsyncLifetime
{
    public InProcessServer Server { get; private set; } = null!;
    public PveClient Client => Server.Client;
    public string Outside { get; } = Repo.TempDir("am-outside");
    private int _nextVmid = 800;

    public string Import => Path.Combine(Server.DataDir, "nodes", "node1", "local", "import");
    public string Dump => Path.Combine(Server.DataDir, "nodes", "node1", "local", "dump");
    public int NextVmId() => Interlocked.Increment(ref _nextVmid);

    public async Task InitializeAsync()
    {
        Server = await InProcessServer.StartAsync();
        Directory.CreateDirectory(Import);
        Directory.CreateDirectory(Dump);
        await File.WriteAllTextAsync(Path.Combine(Outside, "secret.raw"), "host secret");
        await File.WriteAllTextAsync(Path.Combine(Outside, "secret.vmdk"), "host secret");
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Outside, true);
    }
}

/// <summary>
/// Exact reproductions of issue 8 (hostile input), points 3 (symlinks out of an import storage), 4 (parsers made
/// to burn CPU: deep OVF, huge exponent, crafted tar) and 5 (a FIFO blocking a node).
/// </summary>
public sealed class HostileFileTests(HostileFileFixture f) : IClassFixture<HostileFileFixture>
{
    /// <summary>Generous: proves "no hang" (the defects took 15 s to minutes), not speed.</summary>
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(10);

    private PveClient C => f.Client;

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    private static string Fixtures(string kind) => Path.Combine(Repo.Root, "tests", "fixtures", kind);

    private Task<PveClient.Response> Metadata(string volume) =>
        C.Get("/nodes/node1/storage/local/import-metadata", ("volume", volume));

    /// <summary>A refusal's message, or the exit status of the task the request started.</summary>
    private async Task<string> Outcome(PveClient.Response r)
    {
        if (r.Status != HttpStatusCode.OK) return r.Message ?? r.ToString();
        var upid = r.Data!.GetValue<string>();
        return await C.Wait(upid);
    }

    private string DiskDirOf(int vmid) => Path.Combine(f.Server.DataDir, "nodes", "node1", "local", "images", vmid.ToString());

    private async Task NotImported(int vmid, string outcome, string volid)
    {
        Assert.NotEqual("OK", outcome);
        Assert.Contains(volid, outcome);
        Assert.DoesNotContain(f.Server.DataDir, outcome);
        Assert.Equal(HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
        Assert.False(Directory.Exists(DiskDirOf(vmid)) && Directory.EnumerateFiles(DiskDirOf(vmid)).Any(), "a disk was created");
    }

    // --- 3. Symlinks in an import storage read host files

    [Theory]
    [InlineData("passwd-link.raw", "/etc/passwd", false)]
    [InlineData("outdir", null, true)]
    public async Task Import_from_a_symlink_out_of_the_storage_is_refused(string link, string? target, bool directory)
    {
        var name = $"{Guid.NewGuid():N}"[..8] + link;
        string volid;
        if (directory)
        {
            Directory.CreateSymbolicLink(Path.Combine(f.Import, name), f.Outside);
            volid = $"local:import/{name}/secret.raw";
        }
        else
        {
            File.CreateSymbolicLink(Path.Combine(f.Import, name), target!);
            volid = $"local:import/{name}";
        }
        var vmid = f.NextVmId();
        var outcome = await Outcome(await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"),
            ("scsi0", $"local:0,import-from={volid}")));
        await NotImported(vmid, outcome, volid);
        Assert.Contains("leads outside its storage through a symlink", outcome);
    }

    [Fact]
    public async Task An_ovf_whose_disk_is_a_symlink_out_of_the_storage_is_refused()
    {
        var sub = $"sym{Guid.NewGuid():N}"[..11];
        var dir = Path.Combine(f.Import, sub);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(Fixtures("ovf"))) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        File.Move(Path.Combine(dir, "Win_2008_R2_two-disks.ovf"), Path.Combine(dir, "symdisk.ovf"));
        File.Delete(Path.Combine(dir, "disk1.vmdk"));
        File.CreateSymbolicLink(Path.Combine(dir, "disk1.vmdk"), Path.Combine(f.Outside, "secret.vmdk"));

        var meta = await Metadata($"import/{sub}/symdisk.ovf");
        Assert.Equal(HttpStatusCode.InternalServerError, meta.Status);
        Assert.Contains($"local:import/{sub}/disk1.vmdk", meta.Message);
        var vmid = f.NextVmId();
        var outcome = await Outcome(await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("import-source", $"local:import/{sub}/symdisk.ovf")));
        await NotImported(vmid, outcome, $"local:import/{sub}/disk1.vmdk");
    }

    // --- 4. Parsers can be made to burn CPU

    private static string Win10() => File.ReadAllText(Path.Combine(Fixtures("ovf"), "Win10-Liz.ovf"));

    [Fact]
    public async Task An_ovf_with_200000_nested_elements_is_refused_at_once()
    {
        const string open = "<VirtualSystem ovf:id=\"vm\">";
        var xml = Win10();
        var at = xml.IndexOf(open, StringComparison.Ordinal) + open.Length;
        var nested = new StringBuilder(xml[..at]).Insert(at, "<a>",
            200_000).Append(new StringBuilder().Insert(0, "</a>", 200_000)).Append(xml[at..]).ToString();
        Assert.InRange(nested.Length, 1_300_000, 1_500_000);
        var name = $"deep{Guid.NewGuid():N}.ovf";
        await File.WriteAllTextAsync(Path.Combine(f.Import, name), nested);

        var clock = Stopwatch.StartNew();
        var r = await Metadata($"import/{name}");
        Assert.True(clock.Elapsed < NoHang, $"answered after {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.StartsWith("failed to parse OVF: elements nested deeper than 64 levels", r.Message);
    }

    [Fact]
    public async Task A_huge_allocation_unit_exponent_is_refused_at_once()
    {
        var name = $"units{Guid.NewGuid():N}.ovf";
        await File.WriteAllTextAsync(Path.Combine(f.Import, name),
            Win10().Replace("<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>", "<rasd:AllocationUnits>byte * 1^2147483647</rasd:AllocationUnits>"));
        var clock = Stopwatch.StartNew();
        var r = await Metadata($"import/{name}");
        Assert.True(clock.Elapsed < NoHang, $"answered after {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal("failed to parse OVF: unsupported memory AllocationUnits 'byte * 1^2147483647'\n", r.Message);
    }

    private const string SimManifest = """{"version":1,"created":"2025-01-01T00:00:00Z","disks":[]}""";

    /// <summary>A tar in node1's dump directory: (name, size, text) entries, a null text leaves a hole of that size.</summary>
    private string Archive(int vmid, params (string Name, long Size, string? Text)[] entries)
    {
        var name = $"vzdump-qemu-{vmid}-{Guid.NewGuid():N}.tar";
        using var fs = new FileStream(Path.Combine(f.Dump, name), FileMode.CreateNew, FileAccess.ReadWrite);
        foreach (var (entry, size, text) in entries)
        {
            var data = text is null ? null : Encoding.UTF8.GetBytes(text);
            var length = data?.Length ?? size;
            var h = new byte[512];
            Encoding.ASCII.GetBytes(entry).CopyTo(h, 0);
            Encoding.ASCII.GetBytes("0000644\0" + "0000000\0" + "0000000\0" + Convert.ToString(length, 8).PadLeft(11, '0') + "\0"
                + "00000000000\0").CopyTo(h, 100);
            h[156] = (byte)'0';
            Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(h, 257);
            for (var i = 148; i < 156; i++) h[i] = (byte)' ';
            Encoding.ASCII.GetBytes(Convert.ToString(h.Sum(b => b), 8).PadLeft(6, '0') + "\0").CopyTo(h, 148);
            fs.Write(h);
            if (data is null) fs.Seek(length, SeekOrigin.Current);
            else fs.Write(data);
            fs.Seek((512 - length % 512) % 512, SeekOrigin.Current);
        }
        fs.Write(new byte[1024]);
        fs.SetLength(fs.Position);
        return $"local:backup/{name}";
    }

    private Task<PveClient.Response> Restore(int vmid, string archive) =>
        C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("archive", archive));

    [Fact]
    public async Task Restoring_a_tar_whose_first_entry_is_a_huge_sparse_file_reads_only_the_config()
    {
        var vmid = f.NextVmId();
        var archive = Archive(vmid, ("junk.bin", 1536L << 20, null), ("qemu-server.conf", 0, "memory: 768\n"), ("manifest.json", 0, SimManifest));
        var clock = Stopwatch.StartNew();
        var r = await Restore(vmid, archive);
        Assert.True(clock.Elapsed < NoHang, $"answered after {clock.Elapsed}");
        Assert.Equal("OK", await Outcome(r));
        Assert.Equal("768", (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["memory"]!.ToString());
    }

    [Fact]
    public async Task Restoring_a_tar_whose_config_is_huge_is_refused_at_once_naming_the_archive()
    {
        var vmid = f.NextVmId();
        var archive = Archive(vmid, ("qemu-server.conf", 1536L << 20, null), ("manifest.json", 0, SimManifest));
        var clock = Stopwatch.StartNew();
        var r = await Restore(vmid, archive);
        Assert.True(clock.Elapsed < NoHang, $"answered after {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal($"unable to read backup archive '{archive}' - '{archive}/qemu-server.conf' is too large ({1536L << 20} bytes, at most 1048576 are " +
            $"read)\n", r.Message);
    }

    [Fact]
    public async Task An_archive_error_names_the_volume_not_a_host_path()
    {
        var vmid = f.NextVmId();
        var archive = Archive(vmid, ("notes.txt", 0, "no config here"));
        var r = await Restore(vmid, archive);
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal($"unable to read backup archive '{archive}' - '{archive}' is not a simulated backup archive\n", r.Message);
        Assert.DoesNotContain(f.Server.DataDir, r.Body);
    }

    // --- 5. One slow file operation blocks a whole node

    [Fact]
    public async Task A_fifo_is_refused_at_once_and_the_node_keeps_answering()
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await Outcome(await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"))));
        Assert.Equal("OK", await Outcome(await C.Post($"/nodes/node1/qemu/{vmid}/status/start")));
        var name = $"fifo{Guid.NewGuid():N}"[..12];
        Assert.Equal(0, mkfifo(Path.Combine(f.Import, name + ".ovf"), Convert.ToUInt32("600", 8)));
        Assert.Equal(0, mkfifo(Path.Combine(f.Import, name + ".raw"), Convert.ToUInt32("600", 8)));

        var clock = Stopwatch.StartNew();
        var metadata = Metadata($"import/{name}.ovf");
        var status = C.Get("/nodes/node1/status");
        var resources = C.Get("/cluster/resources", ("type", "vm"));
        Assert.Equal(HttpStatusCode.OK, (await status).Status);
        var vm = (await resources).Data!.AsArray().Single(v => v!["vmid"]!.GetValue<int>() == vmid);
        Assert.Equal("running", vm!["status"]!.ToString());
        var r = await metadata;
        Assert.True(clock.Elapsed < NoHang, $"answered after {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.InternalServerError, r.Status);
        Assert.Equal($"unable to read 'local:import/{name}.ovf' - volume 'local:import/{name}.ovf' is not a regular file (a FIFO)\n", r.Message);

        var other = f.NextVmId();
        var outcome = await Outcome(await C.Post("/nodes/node1/qemu", ("vmid", other.ToString()), ("memory", "512"),
            ("scsi0", $"local:0,import-from=local:import/{name}.raw")));
        await NotImported(other, outcome, $"local:import/{name}.raw");
        Assert.Equal(HttpStatusCode.OK, (await C.Get("/nodes/node1/status")).Status);
    }
}

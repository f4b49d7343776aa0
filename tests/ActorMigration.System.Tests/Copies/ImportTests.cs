using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace ActorMigration.SystemTests.Copies;

/// <summary>OVF and ESXi (.vmx) imports from an import storage: metadata, refusals, and real qemu-img conversions.</summary>
[Collection(Collections.Qemu)]
public sealed class ImportTests(QemuMemberFixture f)
{
    private PveClient C => f.Client;
    private string ImportDir => Path.Combine(f.DataDir, "nodes", "node1", "local", "import");
    private static string Fixtures(string kind) => Path.Combine(Repo.Root, "tests", "fixtures", kind);

    /// <summary>The OVF fixtures in node1's local import dir, under a fresh sub directory.</summary>
    private string CopyOvfFixtures()
    {
        var sub = $"ovf{Guid.NewGuid():N}"[..11];
        var dir = Path.Combine(ImportDir, sub);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(Fixtures("ovf"))) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return sub;
    }

    private Task<PveClient.Response> Metadata(string volume) =>
        C.Get("/nodes/node1/storage/local/import-metadata", ("volume", volume));

    private static Dictionary<string, string> Args(JsonNode data) =>
        data["create-args"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.ToString());

    [Fact]
    public async Task Ovf_metadata_of_the_fixtures()
    {
        var sub = CopyOvfFixtures();

        var two = (await Metadata($"import/{sub}/Win_2008_R2_two-disks.ovf")).Data!;
        Assert.Equal("vm", two["type"]!.ToString());
        var a = Args(two);
        Assert.Equal("Win2008-R2x64", a["name"]);
        Assert.Equal("1", a["cores"]);
        Assert.Equal("2048", a["memory"]);
        Assert.Equal("win7", a["ostype"]);
        Assert.False(a.ContainsKey("bios"));
        Assert.Equal($"local:import/{sub}/disk1.vmdk", two["disks"]!["scsi0"]!["volid"]!.ToString());
        Assert.Equal($"local:import/{sub}/disk2.vmdk", two["disks"]!["scsi1"]!["volid"]!.ToString());
        Assert.Equal(2048, two["disks"]!["scsi0"]!["size"]!.GetValue<long>());  // qemu-img's virtual size of the file
        Assert.Equal("e1000", two["net"]!["net0"]!["model"]!.ToString());
        Assert.Empty(two["warnings"]!.AsArray());

        var liz = (await Metadata($"import/{sub}/Win10-Liz.ovf")).Data!;
        var l = Args(liz);
        Assert.Equal(("Win10-Liz", "4", "6144", "other"), (l["name"], l["cores"], l["memory"], l["ostype"]));
        Assert.Equal(["scsi0"], liz["disks"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal("e1000e", liz["net"]!["net0"]!["model"]!.ToString());

        var efi = (await Metadata($"import/{sub}/Win10-Liz_no_default_ns.ovf")).Data!;
        Assert.Equal("ovmf", Args(efi)["bios"]);
        Assert.Equal(1, efi["disks"]!["efidisk0"]!.GetValue<int>());
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [Fact]
    public async Task Ovf_with_an_external_entity_is_refused_without_reading_the_host_file()
    {
        var sub = CopyOvfFixtures();
        // The stock fixture names /proc/self/comm: its content must not come back.
        var stock = await Metadata($"import/{sub}/XEE.ovf");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, stock.Status);
        Assert.Contains("failed to parse OVF", stock.Message);
        Assert.DoesNotContain("dotnet", stock.Body);
        Assert.DoesNotContain("testhost", stock.Body);

        // A FIFO as the entity: whoever opens it for reading is seen (a writer can then open it non-blocking).
        var fifo = Path.Combine(f.DataDir, $"xee-{Guid.NewGuid():N}.fifo");
        Assert.Equal(0, mkfifo(fifo, Convert.ToUInt32("600", 8)));
        var xee = File.ReadAllText(Path.Combine(Fixtures("ovf"), "XEE.ovf")).Replace("file:///proc/self/comm", "file://" + fifo);
        File.WriteAllText(Path.Combine(ImportDir, sub, "XEE-fifo.ovf"), xee);
        var opened = false;
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var fd = open(fifo, 0x1 | 0x800); // O_WRONLY | O_NONBLOCK: fails with ENXIO while no reader
                if (fd >= 0)
                {
                    opened = true;
                    close(fd);
                }
                await Task.Delay(5);
            }
        });
        var r = await Metadata($"import/{sub}/XEE-fifo.ovf");
        var create = await C.Post("/nodes/node1/qemu", ("vmid", f.NextVmId().ToString()), ("import-source", $"local:import/{sub}/XEE-fifo.ovf"));
        await Task.Delay(200);
        stop.Cancel();
        await watcher;
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, r.Status);
        Assert.Contains("XXE", r.Message);
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, create.Status);
        Assert.False(opened, "the member opened the entity's file");
    }

    [Theory]
    [InlineData("../../outside.vmdk", "escapes the directory")]
    [InlineData("/etc/passwd", "only paths relative to the directory")]
    [InlineData("sub%2F..%2F..%2Fx.vmdk", "not allowed")]
    public async Task Ovf_href_that_leaves_the_import_directory_is_refused(string href, string message)
    {
        var sub = CopyOvfFixtures();
        var text = File.ReadAllText(Path.Combine(Fixtures("ovf"), "Win_2008_R2_two-disks.ovf")).Replace("ovf:href=\"disk1.vmdk\"", $"ovf:href=\"{href}\"");
        File.WriteAllText(Path.Combine(ImportDir, sub, "escape.ovf"), text);
        var r = await Metadata($"import/{sub}/escape.ovf");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, r.Status);
        Assert.Contains(message, r.Message);
        var vmid = f.NextVmId();
        Assert.Contains(message, await C.RefusedNow(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()),
            ("import-source", $"local:import/{sub}/escape.ovf"))));
        Assert.Empty(QemuHost.ImageFilesOf(f.DataDir, vmid));
    }

    [Fact]
    public async Task Ovf_with_a_missing_disk_file_is_a_clear_error()
    {
        var sub = CopyOvfFixtures();
        File.Delete(Path.Combine(ImportDir, sub, "disk2.vmdk"));
        var expected = $"disk 'disk1': image file 'disk2.vmdk' referenced by 'import/{sub}/Win_2008_R2_two-disks.ovf' does not exist " +
            $"(local:import/{sub}/disk2.vmdk)";
        Assert.Equal(expected + "\n", (await Metadata($"import/{sub}/Win_2008_R2_two-disks.ovf")).Message);
        var vmid = f.NextVmId();
        Assert.Equal(expected, await C.RefusedNow(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()),
            ("import-source", $"local:import/{sub}/Win_2008_R2_two-disks.ovf"))));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
        Assert.Empty(QemuHost.ImageFilesOf(f.DataDir, vmid));
    }

    [Fact]
    public async Task Creating_a_vm_from_an_ovf_converts_its_disks_into_the_target_storage()
    {
        var sub = CopyOvfFixtures();
        var vmid = f.NextVmId();
        var log = await C.Task(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()),
            ("import-source", $"local:import/{sub}/Win_2008_R2_two-disks.ovf"), ("storage", "shared")));
        var importing = log.ToList().FindIndex(l => l.Contains($"importing disk 'local:import/{sub}/disk1.vmdk' to VM {vmid} ..."));
        Assert.True(importing >= 0 && log[importing + 1].Contains("transferred 2.0 KiB of 2.0 KiB (100.00%)"), string.Join('\n', log));
        Assert.Equal(2, log.Count(l => l.Contains("(100.00%)")));
        var cfg = await C.Config(vmid);
        Assert.Equal(("Win2008-R2x64", "2048", "win7"), (cfg.Str("name"), cfg.Str("memory"), cfg.Str("ostype")));
        Assert.StartsWith("e1000=BC:24:11:", cfg.Str("net0"));
        foreach (var (drive, n, src) in new[] { ("scsi0", 0, "disk1.vmdk"), ("scsi1", 1, "disk2.vmdk") })
        {
            Assert.Equal($"shared:{vmid}/vm-{vmid}-disk-{n}.qcow2", cfg.Volid(drive));
            var file = f.PathOf(cfg.Volid(drive));
            var info = await QemuHost.Info(file);
            Assert.Equal("qcow2", info["format"]!.ToString());
            Assert.True(await QemuHost.SameContent(Path.Combine(ImportDir, sub, src), file), $"{drive} differs from {src}");
        }

        // The plain form: one disk with import-from, converted to raw.
        var plain = f.NextVmId();
        await C.CreateVm(plain, ("scsi0", $"local:0,import-from=local:import/{sub}/Win10-Liz-disk1.vmdk,format=raw"));
        var p = await C.Config(plain);
        Assert.Equal($"local:{plain}/vm-{plain}-disk-0.raw", p.Volid("scsi0"));
        Assert.Equal("raw", (await QemuHost.Info(f.PathOf(p.Volid("scsi0"))))["format"]!.ToString());
        Assert.True(await QemuHost.SameContent(Path.Combine(ImportDir, sub, "Win10-Liz-disk1.vmdk"), f.PathOf(p.Volid("scsi0"))));
    }

    [Fact]
    public async Task Ova_descriptor_is_read_from_the_archive_and_its_disk_is_converted_in_place()
    {
        var sub = CopyOvfFixtures();
        var dir = Path.Combine(ImportDir, sub);
        // A real vmdk with data under the name the descriptor uses; the OVA is a tar with the .ovf first.
        var vmdk = Path.Combine(dir, "Win10-Liz-disk1.vmdk");
        File.Delete(vmdk);
        await QemuHost.Img("create", "-q", "-f", "vmdk", vmdk, "48M");
        await QemuHost.WritePattern(vmdk, "vmdk", 5 << 20, 1 << 20, 0x4f);
        var ova = Path.Combine(dir, "liz.ova");
        await using (var fs = File.Create(ova))
        await using (var tar = new System.Formats.Tar.TarWriter(fs, System.Formats.Tar.TarEntryFormat.Ustar))
        {
            await tar.WriteEntryAsync(Path.Combine(dir, "Win10-Liz.ovf"), "Win10-Liz.ovf");
            await tar.WriteEntryAsync(vmdk, "Win10-Liz-disk1.vmdk");
        }
        File.Delete(Path.Combine(dir, "Win10-Liz.ovf"));

        var meta = (await Metadata($"import/{sub}/liz.ova")).Data!;
        Assert.Equal(("Win10-Liz", "4", "6144"), (Args(meta)["name"], Args(meta)["cores"], Args(meta)["memory"]));
        Assert.Equal($"local:import/{sub}/liz.ova/Win10-Liz-disk1.vmdk", meta["disks"]!["scsi0"]!["volid"]!.ToString());
        Assert.Contains("ova-needs-extracting", meta["warnings"]!.AsArray().Select(w => w!["type"]!.ToString()));

        var before = Directory.GetFileSystemEntries(dir).Order().ToList();
        var vmid = f.NextVmId();
        var upid = await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("import-source", $"local:import/{sub}/liz.ova")));
        var exit = await C.Wait(upid, Pve.TaskTimeout);
        Assert.True(exit == "WARNINGS: 1", $"{exit}\n{string.Join('\n', await C.Log(upid))}");
        var cfg = await C.Config(vmid);
        var file = f.PathOf(cfg.Volid("scsi0"));
        Assert.Equal("qcow2", (await QemuHost.Info(file))["format"]!.ToString());
        Assert.Equal(48L << 20, (await QemuHost.Info(file))["virtual-size"]!.GetValue<long>());
        Assert.True(await QemuHost.SameContent(vmdk, file), "imported disk differs from the vmdk in the OVA");
        // Read in place: nothing was extracted next to the archive.
        Assert.Equal(before, Directory.GetFileSystemEntries(dir).Order().ToList());
    }

    /// <summary>An ESXi VM directory: the .vmx fixture with real vmdk files made by qemu-img.</summary>
    private async Task<string> EsxiDir(string name, params (string File, string Size)[] disks)
    {
        var sub = $"esxi{Guid.NewGuid():N}"[..12];
        var dir = Path.Combine(ImportDir, sub, name);
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(Fixtures("vmx"), name, $"{name}.vmx"), Path.Combine(dir, $"{name}.vmx"));
        foreach (var (file, size) in disks)
        {
            var path = Path.Combine(dir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await QemuHost.Img("create", "-q", "-f", "vmdk", path, size);
            await QemuHost.Run("qemu-io", "-f", "vmdk", "-c", $"write -P 0x{file.Length:x2} 0 65536", path);
        }
        return $"{sub}/{name}/{name}";
    }

    [Fact]
    public async Task Esxi_vmx_import_maps_hardware_turns_nvme_into_scsi_and_logs_typed_warnings()
    {
        var vm = await EsxiDir("win2022-efi", ("win2022-efi.vmdk", "64M"), ("win2022-efi_1.vmdk", "32M"));
        var volume = $"import/{vm}.vmx";
        var meta = (await Metadata(volume)).Data!;
        Assert.Equal("esxi", meta["source"]!.ToString());
        var a = Args(meta);
        Assert.Equal(("WIN-2022-DC01", "4", "2", "16384", "ovmf"), (a["name"], a["cores"], a["sockets"], a["memory"], a["bios"]));
        var dir = Path.GetDirectoryName(vm)!;
        Assert.Equal($"local:import/{dir}/win2022-efi.vmdk", meta["disks"]!["scsi0"]!["volid"]!.ToString());
        Assert.Equal($"local:import/{dir}/win2022-efi_1.vmdk", meta["disks"]!["scsi1"]!["volid"]!.ToString()); // the NVMe disk
        Assert.Equal(64L << 20, meta["disks"]!["scsi0"]!["size"]!.GetValue<long>());
        Assert.Equal(("vmxnet3", "00:50:56:A1:3C:7E"), (meta["net"]!["net0"]!["model"]!.ToString(), meta["net"]!["net0"]!["macaddr"]!.ToString()));
        Assert.Equal(("e1000e", "00:50:56:3F:1A:2B"), (meta["net"]!["net1"]!["model"]!.ToString(), meta["net"]!["net1"]!["macaddr"]!.ToString()));
        var types = meta["warnings"]!.AsArray().Select(w => w!["type"]!.ToString()).ToList();
        Assert.Equal(["efi-state-lost", "cdrom-image-ignored", "nvme-unsupported", "ovmf-with-lsi-unsupported"], types);

        var vmid = f.NextVmId();
        var upid = await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("import-source", $"local:{volume}"), ("storage", "local")));
        var exit = await C.Wait(upid, Pve.TaskTimeout);
        var log = await C.Log(upid);
        var warns = log.Where(l => l.Contains("WARN: ")).ToList();
        Assert.Equal("WARNINGS: 4", exit);
        Assert.Equal(4, warns.Count);
        Assert.Contains(warns, w => w.Contains("WARN: nvme-unsupported (nvme0:0)") && w.Contains("will get attached as SCSI"));
        Assert.Contains(warns, w => w.Contains("WARN: efi-state-lost (bios)"));
        Assert.Contains(warns, w => w.Contains("WARN: cdrom-image-ignored (sata0)"));
        Assert.Contains(warns, w => w.Contains("WARN: ovmf-with-lsi-unsupported (scsihw)"));
        Assert.Contains(log, l => l.Contains("scsi0:1 is not present"));

        var cfg = await C.Config(vmid);
        Assert.Equal(("WIN-2022-DC01", "16384", "ovmf", "pvscsi", "win11"),
            (cfg.Str("name"), cfg.Str("memory"), cfg.Str("bios"), cfg.Str("scsihw"), cfg.Str("ostype")));
        Assert.Equal(("4", "2"), (cfg.Str("cores"), cfg.Str("sockets")));
        Assert.StartsWith("vmxnet3=00:50:56:A1:3C:7E", cfg.Str("net0"));
        Assert.StartsWith("e1000e=00:50:56:3F:1A:2B", cfg.Str("net1"));
        Assert.Null(cfg["nvme0"]);
        foreach (var (drive, src) in new[] { ("scsi0", "win2022-efi.vmdk"), ("scsi1", "win2022-efi_1.vmdk") })
        {
            var file = f.PathOf(cfg.Volid(drive));
            Assert.Equal("qcow2", (await QemuHost.Info(file))["format"]!.ToString());
            Assert.True(await QemuHost.SameContent(Path.Combine(ImportDir, dir, src), file), $"{drive} differs from {src}");
        }
        // The EFI vars disk has the size of the 4m OVMF vars template, not the "1" (GiB) of the create call.
        Assert.Contains("efitype=4m", cfg.Str("efidisk0"));
        Assert.Contains("size=528K", cfg.Str("efidisk0"));
        Assert.Equal(540672, (await QemuHost.Info(f.PathOf(cfg.Volid("efidisk0"))))["virtual-size"]!.GetValue<long>());
    }

    [Fact]
    public async Task Esxi_vmx_with_bios_firmware_sub_directory_disk_and_generated_macs()
    {
        var vm = await EsxiDir("debian11-bios", ("debian11-bios.vmdk", "16M"), ("data/debian11-data.vmdk", "8M"));
        var meta = (await Metadata($"import/{vm}.vmx")).Data!;
        var a = Args(meta);
        Assert.Equal(("2", "4096", "seabios", "l26"), (a["sockets"], a["memory"], a["bios"], a["ostype"]));
        Assert.False(a.ContainsKey("cores"));
        Assert.Equal($"local:import/{Path.GetDirectoryName(vm)}/data/debian11-data.vmdk", meta["disks"]!["scsi1"]!["volid"]!.ToString());
        Assert.Equal(["net0", "net2"], meta["net"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal(("e1000", "00:0C:29:5B:8E:01"), (meta["net"]!["net0"]!["model"]!.ToString(), meta["net"]!["net0"]!["macaddr"]!.ToString()));

        var vmid = f.NextVmId();
        var upid = await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("import-source", $"local:import/{vm}.vmx")));
        Assert.Equal("WARNINGS: 2", await C.Wait(upid, Pve.TaskTimeout));
        var cfg = await C.Config(vmid);
        Assert.Equal(16L << 20, (await QemuHost.Info(f.PathOf(cfg.Volid("scsi0"))))["virtual-size"]!.GetValue<long>());
        Assert.Equal(8L << 20, (await QemuHost.Info(f.PathOf(cfg.Volid("scsi1"))))["virtual-size"]!.GetValue<long>());
    }
}

using System.Formats.Tar;
using System.Text.RegularExpressions;

namespace ActorMigration.SystemTests.Copies;

/// <summary>vzdump of a stopped VM into a backup storage, and restore from the archive under a new vmid.</summary>
[Collection(Collections.Qemu)]
public sealed class BackupRestoreTests(QemuMemberFixture f)
{
    private const long MiB = 1 << 20;
    private PveClient C => f.Client;

    private static string ArchiveOf(IReadOnlyList<string> log) =>
        log.Select(l => Regex.Match(l, @"creating vzdump archive '([^']+)'")).First(m => m.Success).Groups[1].Value;

    [Fact]
    public async Task Backup_writes_one_archive_with_config_and_disks_restore_on_another_node_gets_the_same_data()
    {
        var vm = f.NextVmId();
        await C.CreateVm(vm, ("name", "backed-up"), ("scsi0", "local:1"), ("virtio1", "local:1,format=raw"),
            ("net0", "virtio,bridge=vmbr0"), ("cores", "2"));
        var src = await C.Config(vm);
        await QemuHost.WritePattern(f.PathOf(src.Volid("scsi0")), "qcow2", 3 * MiB, (int)MiB, 0x61);
        await QemuHost.WritePattern(f.PathOf(src.Volid("virtio1")), "raw", 700 * MiB, (int)MiB, 0x62);

        var log = await C.Task(C.Post("/nodes/node1/vzdump", ("vmid", vm.ToString()), ("storage", "shared")));
        var archive = ArchiveOf(log);
        Assert.Matches($@"^shared:backup/vzdump-qemu-{vm}-\d{{4}}_\d\d_\d\d-\d\d_\d\d_\d\d\.tar$", archive);
        Assert.Contains(log, l => l == $"INFO: include disk 'scsi0' '{src.Volid("scsi0")}'");
        Assert.Contains(log, l => l == $"INFO: include disk 'virtio1' '{src.Volid("virtio1")}'");
        Assert.Null((await C.Config(vm))["lock"]);

        // One archive: the config and every disk.
        var tar = f.PathOf(archive);
        Assert.True(File.Exists(tar), tar);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(tar)!), p => p.Contains($"vzdump-qemu-{vm}-"));
        var entries = new Dictionary<string, string?>();
        await using (var fs = File.OpenRead(tar))
        await using (var reader = new TarReader(fs))
            while (await reader.GetNextEntryAsync(copyData: true) is { } e)
                entries[e.Name] = e.Name.EndsWith(".conf") ? new StreamReader(e.DataStream!).ReadToEnd() : null;
        Assert.Contains("qemu-server.conf", entries.Keys);
        Assert.Contains("disk-scsi0.qcow2", entries.Keys);
        Assert.Contains("disk-virtio1.qcow2", entries.Keys);
        Assert.Contains("name: backed-up", entries["qemu-server.conf"]);
        Assert.DoesNotContain("lock:", entries["qemu-server.conf"]);


        // Restore on node2 under a new vmid, without unique: MACs and smbios uuid stay, the generation is new.
        var restored = f.NextVmId();
        var rlog = await C.Task(C.Post("/nodes/node2/qemu", ("vmid", restored.ToString()), ("archive", archive)));
        Assert.Contains(rlog, l => l.Contains($"restore archive: {archive}"));
        var r = await C.Config(restored, "node2");
        Assert.Equal("backed-up", r.Str("name"));
        Assert.Equal("2", r.Str("cores"));
        Assert.Equal($"local:{restored}/vm-{restored}-disk-0.qcow2", r.Volid("scsi0"));
        Assert.Equal($"local:{restored}/vm-{restored}-disk-1.raw", r.Volid("virtio1"));
        Assert.Equal(Pve.Mac(src.Str("net0")), Pve.Mac(r.Str("net0")));
        Assert.Equal(Pve.SmbiosUuid(src), Pve.SmbiosUuid(r));
        Assert.NotEqual(src.Str("vmgenid"), r.Str("vmgenid"));
        Assert.True(Guid.TryParse(r.Str("vmgenid"), out _));
        foreach (var drive in new[] { "scsi0", "virtio1" })
        {
            var file = f.PathOf(r.Volid(drive), "node2");
            Assert.Contains($"nodes/node2/local/images/{restored}/", file);
            Assert.True(await QemuHost.SameContent(f.PathOf(src.Volid(drive)), file), $"{drive}: restored content differs");
        }
        Assert.Equal("raw", (await QemuHost.Info(f.PathOf(r.Volid("virtio1"), "node2")))["format"]!.ToString());

        // unique=1: new MACs and smbios uuid as well.
        var unique = f.NextVmId();
        await C.Task(C.Post("/nodes/node2/qemu", ("vmid", unique.ToString()), ("archive", archive), ("unique", "1")));
        var u = await C.Config(unique, "node2");
        Assert.NotEqual(Pve.Mac(src.Str("net0")), Pve.Mac(u.Str("net0")));
        Assert.StartsWith("BC:24:11:", Pve.Mac(u.Str("net0")));
        Assert.NotEqual(Pve.SmbiosUuid(src), Pve.SmbiosUuid(u));
        Assert.NotEqual(src.Str("vmgenid"), u.Str("vmgenid"));
        Assert.NotEqual(r.Str("vmgenid"), u.Str("vmgenid"));
        Assert.True(await QemuHost.SameContent(f.PathOf(src.Volid("scsi0")), f.PathOf(u.Volid("scsi0"), "node2")));
    }

    [Fact]
    public async Task A_restored_template_is_a_template_again_with_read_only_base_volumes()
    {
        var tpl = f.NextVmId();
        await C.CreateVm(tpl, ("scsi0", "local:1"), ("net0", "virtio"));
        await QemuHost.WritePattern(f.PathOf((await C.Config(tpl)).Volid("scsi0")), "qcow2", 0, (int)MiB, 0x71);
        await C.Template(tpl);
        var archive = ArchiveOf(await C.Task(C.Post("/nodes/node1/vzdump", ("vmid", tpl.ToString()), ("storage", "shared"))));

        var restored = f.NextVmId();
        var log = await C.Task(C.Post("/nodes/node2/qemu", ("vmid", restored.ToString()), ("archive", archive)));
        Assert.Contains(log, l => l.Contains("Convert to template."));
        var r = await C.Config(restored, "node2");
        Assert.Equal("1", r.Str("template"));
        Assert.Equal($"local:{restored}/base-{restored}-disk-0.qcow2", r.Volid("scsi0"));
        var file = f.PathOf(r.Volid("scsi0"), "node2");
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(file) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        Assert.True(await QemuHost.HasPattern(file, "qcow2", 0, (int)MiB, 0x71));

        // It serves linked clones like the original.
        var clone = f.NextVmId();
        await C.Task(C.Post($"/nodes/node2/qemu/{restored}/clone", ("newid", clone.ToString())));
        var c = await C.Config(clone, "node2");
        Assert.Equal($"local:{restored}/base-{restored}-disk-0.qcow2/{clone}/vm-{clone}-disk-0.qcow2", c.Volid("scsi0"));
        Assert.Equal($"../{restored}/base-{restored}-disk-0.qcow2",
            (await QemuHost.Info(f.PathOf(c.Volid("scsi0"), "node2")))["backing-filename"]!.ToString());
    }

    [Fact]
    public async Task Backup_and_restore_refusals()
    {
        var vm = f.NextVmId();
        await C.CreateVm(vm, ("memory", "64"), ("scsi0", "local:1"));
        // A VM with a snapshot: the archive holds only the current config (as vzdump).
        await C.Task(C.Post($"/nodes/node1/qemu/{vm}/snapshot", ("snapname", "keep")));
        var archive = ArchiveOf(await C.Task(C.Post("/nodes/node1/vzdump", ("vmid", vm.ToString()), ("storage", "local"))));
        string conf;
        await using (var fs = File.OpenRead(f.PathOf(archive)))
        await using (var reader = new TarReader(fs))
        {
            TarEntry? e;
            while ((e = await reader.GetNextEntryAsync(copyData: true)) is not null && e.Name != "qemu-server.conf") { }
            conf = new StreamReader(e!.DataStream!).ReadToEnd();
        }
        Assert.DoesNotContain("[keep]", conf);
        Assert.DoesNotContain("parent:", conf);
        Assert.Contains("scsi0:", conf);
        Assert.Equal($"unable to restore VM {vm} - VM {vm} already exists on node 'node1'",
            await C.RefusedNow(C.Post("/nodes/node1/qemu", ("vmid", vm.ToString()), ("archive", archive))));
        // node2's own "local" does not hold node1's archive.
        var other = await C.RefusedNow(C.Post("/nodes/node2/qemu", ("vmid", f.NextVmId().ToString()), ("archive", archive)));
        Assert.Contains("does not exist", other);
    }
}

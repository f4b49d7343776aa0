
namespace ActorMigration.SystemTests.Copies;

/// <summary>Full clones (qm clone --full) on real qemu-img volumes; the running case with real QEMU.</summary>
[Collection(Collections.Qemu)]
public sealed class FullCloneTests(QemuMemberFixture f)
{
    private const long MiB = 1 << 20;
    private PveClient C => f.Client;

    /// <summary>A stopped VM with a qcow2 scsi0 and a raw virtio1, each with a marker pattern.</summary>
    private async Task<int> SourceVm(string? name = null)
    {
        var vmid = f.NextVmId();
        await C.CreateVm(vmid, ("name", name ?? $"src{vmid}"), ("scsi0", "local:1"), ("virtio1", "local:1,format=raw"),
            ("net0", "virtio,bridge=vmbr0"));
        var cfg = await C.Config(vmid);
        await QemuHost.WritePattern(f.PathOf(cfg.Volid("scsi0")), "qcow2", 10 * MiB, (int)MiB, 0xa1);
        await QemuHost.WritePattern(f.PathOf(cfg.Volid("virtio1")), "raw", 20 * MiB, (int)MiB, 0xb2);
        return vmid;
    }

    [Fact]
    public async Task Full_clone_of_a_stopped_vm_copies_every_disk_into_new_volumes()
    {
        var src = await SourceVm();
        var dst = f.NextVmId();
        var log = await C.Clone(src, dst, ("name", "full-copy"), ("full", "1"));

        var s = await C.Config(src);
        var d = await C.Config(dst);
        Assert.Contains(log, l => l.Contains($"create full clone of drive scsi0 ({s.Volid("scsi0")})"));
        Assert.Contains(log, l => l.Contains($"create full clone of drive virtio1 ({s.Volid("virtio1")})"));
        // As in Proxmox: each drive's line first, then its copy's progress, ending with one 100% line.
        foreach (var drive in new[] { "scsi0", "virtio1" })
        {
            var i = log.ToList().FindIndex(l => l.Contains($"create full clone of drive {drive} "));
            Assert.True(i >= 0 && i + 1 < log.Count && log[i + 1].Contains("transferred 1.0 GiB of 1.0 GiB (100.00%)"), string.Join('\n', log));
        }
        Assert.Equal(2, log.Count(l => l.Contains("(100.00%)")));
        Assert.Equal($"local:{dst}/vm-{dst}-disk-0.qcow2", d.Volid("scsi0"));
        Assert.Equal($"local:{dst}/vm-{dst}-disk-1.raw", d.Volid("virtio1"));
        Assert.Equal("full-copy", d.Str("name"));
        Assert.Null(d["lock"]);
        Assert.Null(s["lock"]);
        foreach (var drive in new[] { "scsi0", "virtio1" })
        {
            var (a, b) = (f.PathOf(s.Volid(drive)), f.PathOf(d.Volid(drive)));
            Assert.True(File.Exists(b), b);
            Assert.NotEqual(a, b);
            Assert.True(await QemuHost.SameContent(a, b), $"{drive}: clone content differs");
            Assert.Null((await QemuHost.Info(b))["backing-filename"]);
        }
        Assert.Equal("qcow2", (await QemuHost.Info(f.PathOf(d.Volid("scsi0"))))["format"]!.ToString());
        Assert.Equal("raw", (await QemuHost.Info(f.PathOf(d.Volid("virtio1"))))["format"]!.ToString());

        // Independent: a write to the source does not show in the clone.
        await QemuHost.WritePattern(f.PathOf(s.Volid("scsi0")), "qcow2", 10 * MiB, (int)MiB, 0x11);
        Assert.True(await QemuHost.HasPattern(f.PathOf(d.Volid("scsi0")), "qcow2", 10 * MiB, (int)MiB, 0xa1));
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("qcow2")]
    [InlineData("vmdk")]
    public async Task Full_clone_into_another_storage_converts_the_format(string format)
    {
        var src = await SourceVm();
        var dst = f.NextVmId();
        await C.Clone(src, dst, ("full", "1"), ("storage", "shared"), ("format", format));

        var d = await C.Config(dst);
        foreach (var (drive, n) in new[] { ("scsi0", 0), ("virtio1", 1) })
        {
            Assert.Equal($"shared:{dst}/vm-{dst}-disk-{n}.{format}", d.Volid(drive));
            var file = Path.Combine(f.DataDir, "shared", "images", dst.ToString(), $"vm-{dst}-disk-{n}.{format}");
            Assert.True(File.Exists(file), file);
            var info = await QemuHost.Info(file);
            Assert.Equal(format, info["format"]!.ToString());
            Assert.Equal(1L << 30, info["virtual-size"]!.GetValue<long>());
            Assert.True(await QemuHost.SameContent(f.PathOf((await C.Config(src)).Volid(drive)), file), $"{drive} differs");
        }
        Assert.DoesNotContain(QemuHost.ImageFilesOf(f.DataDir, dst), x => x.StartsWith("nodes/"));
    }

    [Fact]
    public async Task Full_clone_from_a_snapshot_copies_the_snapshot_state_not_the_current_one()
    {
        var src = f.NextVmId();
        await C.CreateVm(src, ("scsi0", "local:1"), ("memory", "256"), ("net0", "virtio"));
        var disk = f.PathOf((await C.Config(src)).Volid("scsi0"));
        await QemuHost.WritePattern(disk, "qcow2", 0, (int)MiB, 0x5a);
        await C.Task(C.Post($"/nodes/node1/qemu/{src}/snapshot", ("snapname", "before")));
        await QemuHost.WritePattern(disk, "qcow2", 0, (int)MiB, 0x77);
        await C.Put($"/nodes/node1/qemu/{src}/config", ("memory", "512"));

        var dst = f.NextVmId();
        await C.Clone(src, dst, ("full", "1"), ("snapname", "before"));

        var d = await C.Config(dst);
        var copy = f.PathOf(d.Volid("scsi0"));
        Assert.True(await QemuHost.HasPattern(copy, "qcow2", 0, (int)MiB, 0x5a), "clone does not hold the snapshot's data");
        Assert.Equal("256", d.Str("memory"));                 // the snapshot's config, not the current one
        Assert.Null(d["parent"]);
        Assert.Empty((await QemuHost.Info(copy))["snapshots"]?.AsArray() ?? []);
        Assert.True(await QemuHost.HasPattern(disk, "qcow2", 0, (int)MiB, 0x77), "source changed");

        var unknown = await C.RefusedNow(C.Post($"/nodes/node1/qemu/{src}/clone", ("newid", f.NextVmId().ToString()), ("snapname", "nope")));
        Assert.Equal("snapshot 'nope' does not exist", unknown);
    }

    [Fact]
    public async Task Full_clone_of_a_template_has_no_backing_file()
    {
        var tpl = await SourceVm();
        await C.Template(tpl);
        var dst = f.NextVmId();
        var log = await C.Clone(tpl, dst, ("full", "1"));

        var t = await C.Config(tpl);
        var d = await C.Config(dst);
        Assert.Contains(log, l => l.Contains("create full clone of drive scsi0"));
        Assert.Equal($"local:{dst}/vm-{dst}-disk-0.qcow2", d.Volid("scsi0"));
        Assert.Null((await QemuHost.Info(f.PathOf(d.Volid("scsi0"))))["backing-filename"]);
        Assert.True(await QemuHost.SameContent(f.PathOf(t.Volid("scsi0")), f.PathOf(d.Volid("scsi0"))));
        Assert.Null(d["template"]);

        // Not a linked clone: the template can go while the full clone stays.
        await C.Destroy(tpl);
        Assert.True(await QemuHost.HasPattern(f.PathOf(d.Volid("scsi0")), "qcow2", 10 * MiB, (int)MiB, 0xa1));
    }

    [Fact]
    public async Task Full_clone_of_a_linked_clone_flattens_the_chain()
    {
        var tpl = await SourceVm();
        await C.Template(tpl);
        var linked = f.NextVmId();
        await C.Clone(tpl, linked);
        var overlay = f.PathOf((await C.Config(linked)).Volid("scsi0"));
        await QemuHost.WritePattern(overlay, "qcow2", 30 * MiB, (int)MiB, 0xc3);

        var full = f.NextVmId();
        await C.Clone(linked, full, ("full", "1"));
        var copy = f.PathOf((await C.Config(full)).Volid("scsi0"));
        Assert.Null((await QemuHost.Info(copy))["backing-filename"]);
        Assert.True(await QemuHost.SameContent(overlay, copy));
        Assert.True(await QemuHost.HasPattern(copy, "qcow2", 10 * MiB, (int)MiB, 0xa1));   // from the base
        Assert.True(await QemuHost.HasPattern(copy, "qcow2", 30 * MiB, (int)MiB, 0xc3));   // from the overlay
    }

    [Fact]
    public async Task A_full_clone_that_fails_halfway_removes_the_volumes_it_made_the_record_and_the_locks()
    {
        var src = f.NextVmId();
        await C.CreateVm(src, ("scsi0", "local:1"), ("scsi1", "shared:1"));
        var dst = f.NextVmId();
        // The first disk goes to local; the second cannot be written (its directory is a file).
        var blocker = Path.Combine(f.DataDir, "shared", "images", dst.ToString());
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        File.WriteAllText(blocker, "not a directory");
        try
        {
            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{src}/clone", ("newid", dst.ToString()), ("full", "1")));
            var exit = await C.Wait(upid, Pve.TaskTimeout);
            Assert.StartsWith("clone failed:", exit);
            var log = await C.Log(upid);
            Assert.True(log.Any(l => l.Contains("create full clone of drive scsi0")) && log.Any(l => l.Contains("create full clone of drive scsi1")),
                string.Join('\n', log));   // scsi0 was copied before scsi1 failed
        }
        finally
        {
            File.Delete(blocker);
        }
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{dst}/config")).Status);
        Assert.Empty(QemuHost.ImageFilesOf(f.DataDir, dst));
        Assert.Null((await C.Config(src))["lock"]);
        // Nothing is left over: the same newid clones fine afterwards.
        await C.Clone(src, dst, ("full", "1"));
        Assert.Equal(2, QemuHost.ImageFilesOf(f.DataDir, dst).Count);
    }

    [Fact]
    public async Task Full_clone_to_another_node_needs_shared_target_storage()
    {
        var src = await SourceVm();
        var refused = await C.RefusedNow(C.Post($"/nodes/node1/qemu/{src}/clone", ("newid", f.NextVmId().ToString()),
            ("target", "node2"), ("full", "1")));
        Assert.Equal("can't clone VM to node 'node2' (VM uses local storage)", refused);

        var dst = f.NextVmId();
        await C.Task(C.Post($"/nodes/node1/qemu/{src}/clone", ("newid", dst.ToString()), ("target", "node2"), ("full", "1"),
            ("storage", "shared")));
        var d = await C.Config(dst, "node2");
        Assert.StartsWith($"shared:{dst}/", d.Volid("scsi0"));
        Assert.True(File.Exists(f.PathOf(d.Volid("scsi0"), "node2")));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{dst}/config")).Status);
    }

    [Fact]
    public async Task Running_vm_is_cloned_through_drive_mirror_and_the_clone_boots_without_the_source()
    {
        var src = f.NextVmId();
        await C.CreateVm(src, ("name", "live-src"), ("scsi0", "local:1"), ("net0", "virtio"));
        await C.Start(src);
        try
        {
            await GuestConsole.WaitForAsync(f.DataDir, "node1", src, l => l.Contains("disk mounted"), TimeSpan.FromSeconds(120), "guest disk mounted");
            var marker = $"marker-{Guid.NewGuid():N}";
            var wrote = await GuestConsole.RunAsync(f.DataDir, "node1", src, $"echo {marker} > /mnt/disk/marker.txt && sync && echo written");
            Assert.Contains("written", wrote);

            var dst = f.NextVmId();
            var log = await C.Clone(src, dst, ("name", "live-copy"));

            Assert.Contains(log, l => l.Contains("drive mirror is starting"));
            Assert.Contains(log, l => l.Contains("scsi0: transferred") && l.Contains("ready"));
            Assert.Equal("running", (await C.Current(src)).Str("status"));
            var s = await C.Config(src);
            var d = await C.Config(dst);
            Assert.Null(s["lock"]);
            Assert.Null(d["lock"]);
            var (a, b) = (f.PathOf(s.Volid("scsi0")), f.PathOf(d.Volid("scsi0")));
            // The guest wrote nothing since: the copy equals the source disk.
            Assert.True(await QemuHost.SameContent(a, b), "mirror copy differs from the running source");
            // The source keeps its own disk (the mirror was cancelled, not pivoted).
            Assert.Contains(a, QemuHost.QemuCommandLine(f.DataDir, "node1", src));

            await C.Stop(src);
            await C.Destroy(src);
            Assert.False(File.Exists(a));
            Assert.Empty(QemuHost.ImageFilesOf(f.DataDir, src));

            await C.Start(dst);
            try
            {
                await GuestConsole.WaitForAsync(f.DataDir, "node1", dst, l => l.Contains("disk mounted"), TimeSpan.FromSeconds(120), "clone disk mounted");
                var seen = await GuestConsole.RunAsync(f.DataDir, "node1", dst, "cat /mnt/disk/marker.txt");
                Assert.Contains(marker, seen);
                var hb = GuestConsole.LastHeartbeat(Reality.SerialLog(f.DataDir, "node1", dst));
                await GuestConsole.WaitForAsync(f.DataDir, "node1", dst, l => GuestConsole.LastHeartbeat(l) > hb + 3,
                    TimeSpan.FromSeconds(120), "heartbeat goes on");
                var cur = await C.Current(dst);
                Assert.Equal("running", cur.Str("status"));
                Assert.Equal(d.Str("vmgenid"), cur.Str("running-vmgenid"));
                Assert.NotEqual(s.Str("vmgenid"), d.Str("vmgenid"));
            }
            finally
            {
                await C.Stop(dst);
            }
        }
        finally
        {
            if ((await C.Get($"/nodes/node1/qemu/{src}/status/current")).Data?["status"]?.ToString() == "running")
                await C.Stop(src);
        }
    }
}

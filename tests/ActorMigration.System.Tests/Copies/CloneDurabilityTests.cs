using System.Net;

namespace ActorMigration.SystemTests.Copies;

/// <summary>
/// kill -9 of the member while a full clone copies a disk with qemu-img, then a restart on the same data dir:
/// the clone either completes or is rolled back — never an orphan volume, a stale lock or a stray qemu-img.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class CloneDurabilityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const long MiB = 1 << 20;

    private static async Task<string> Phase(PveClient c, string upid) =>
        (await c.Get($"/nodes/node1/tasks/{upid}/status")).Data?["phase"]?.GetValue<string>() ?? "";

    [Fact]
    public async Task Kill9_during_a_full_clone_copy_then_restart_leaves_a_complete_clone_or_nothing()
    {
        var env = await QemuEnv.EnvAsync();
        await using var m = new MemberProcess(env);
        try
        {
            await m.StartAsync();
            var c = m.Client;
            const int src = 100, dst = 101;
            await c.CreateVm(src, ("scsi0", "local:1,format=raw"), ("net0", "virtio"));
            var srcFile = QemuHost.PathOf(m.DataDir, "node1", $"local:{src}/vm-{src}-disk-0.raw");
            QemuHost.FillRandom(srcFile, 160 * MiB);

            // ~10 s of copying at 16 MiB/s: long enough to die in the middle.
            var upid = await c.Upid(c.Post($"/nodes/node1/qemu/{src}/clone", ("newid", dst.ToString()), ("full", "1"), ("bwlimit", "16384")));
            await PveClient.Eventually(async () => (await c.Log(upid)).Any(l => l.Contains("transferred") && !l.Contains("(100.00%)")),
                TimeSpan.FromSeconds(60), "copy progress");
            Assert.Equal("copy-disks", await Phase(c, upid));
            Assert.NotEmpty(QemuHost.Processes(m.DataDir, "qemu-img"));
            var partial = QemuHost.ImageFilesOf(m.DataDir, dst);
            Assert.Single(partial);

            m.Kill9();
            output.WriteLine($"qemu-img left after kill -9: {QemuHost.Processes(m.DataDir, "qemu-img").Count}");
            await m.StartAsync();
            c = m.Client;

            var exit = await c.Wait(upid, TimeSpan.FromSeconds(120));
            var log = await c.Log(upid);
            var why = $"exit '{exit}', log:\n{string.Join('\n', log)}";
            output.WriteLine(why);
            var begin = log.ToList().FindIndex(l => l.Contains($"create full clone of drive scsi0 (local:{src}/vm-{src}-disk-0.raw)"));
            Assert.True(begin >= 0 && begin < log.ToList().FindIndex(l => l.Contains("transferred")), why);

            // No stale lock on the source, whatever happened.
            var s = await c.Config(src);
            Assert.True(s["lock"] is null, why);
            var clone = await c.Get($"/nodes/node1/qemu/{dst}/config");
            if (exit == "OK")
            {
                Assert.True(clone.Status == HttpStatusCode.OK, why);
                Assert.True(clone.Data!["lock"] is null, why);
                var volid = clone.Data!["scsi0"]!.ToString().Split(',')[0];
                var file = QemuHost.PathOf(m.DataDir, "node1", volid);
                Assert.Equal([Path.GetRelativePath(m.DataDir, file)], QemuHost.ImageFilesOf(m.DataDir, dst));
                Assert.True(await QemuHost.SameContent(srcFile, file), "the finished clone differs from its source");
            }
            else
            {
                Assert.True(clone.Status == HttpStatusCode.InternalServerError, why);
                Assert.True(QemuHost.ImageFilesOf(m.DataDir, dst).Count == 0,
                    $"orphan volume: {string.Join(", ", QemuHost.ImageFilesOf(m.DataDir, dst))}; {why}");
            }
            // Only the source's and (maybe) the clone's volumes exist, and no copy is still running.
            Assert.All(QemuHost.ImageFiles(m.DataDir), x => Assert.True(x.Contains($"/images/{src}/") || x.Contains($"/images/{dst}/"), x));
            await PveClient.Eventually(() => Task.FromResult(QemuHost.Processes(m.DataDir, "qemu-img").Count == 0),
                TimeSpan.FromSeconds(15), "no qemu-img left running");
        }
        finally
        {
            await QemuHost.KillAll(m.DataDir);
        }
    }

    [Fact]
    public async Task Kill9_during_the_drive_mirror_of_a_running_vm_then_restart_finishes_and_the_source_keeps_running()
    {
        var env = await QemuEnv.EnvAsync();
        await using var m = new MemberProcess(env);
        try
        {
            await m.StartAsync();
            var c = m.Client;
            const int src = 100, dst = 101;
            await c.CreateVm(src, ("memory", "64"), ("virtio0", "local:1,format=raw"));
            var srcFile = QemuHost.PathOf(m.DataDir, "node1", $"local:{src}/vm-{src}-disk-0.raw");
            // Data that is not an ext2 file system, so the guest leaves the disk alone.
            QemuHost.FillRandom(srcFile, 160 * MiB);
            await c.Start(src);

            var upid = await c.Upid(c.Post($"/nodes/node1/qemu/{src}/clone", ("newid", dst.ToString()), ("bwlimit", "16384")));
            await PveClient.Eventually(async () => (await c.Log(upid)).Any(l => l.Contains("drive mirror is starting")),
                TimeSpan.FromSeconds(60), "mirror started");
            await Task.Delay(2000);
            Assert.Equal("copy-disks", await Phase(c, upid));
            m.Kill9();
            await m.StartAsync();
            c = m.Client;

            var exit = await c.Wait(upid, TimeSpan.FromSeconds(120));
            var log = await c.Log(upid);
            var why = $"exit '{exit}', log:\n{string.Join('\n', log)}";
            output.WriteLine(why);
            Assert.True((await c.Config(src))["lock"] is null, why);
            var cur = await c.Current(src);
            Assert.Equal("running", cur.Str("status"));
            var cmd = QemuHost.QemuCommandLine(m.DataDir, "node1", src);
            Assert.Contains(srcFile, cmd);                         // still on its own disk
            if (exit == "OK")
            {
                var d = await c.Config(dst);
                Assert.True(d["lock"] is null, why);
                var file = QemuHost.PathOf(m.DataDir, "node1", d.Volid("virtio0"));
                Assert.True(await QemuHost.SameContent(srcFile, file), "mirror copy differs from the source");
            }
            else
            {
                Assert.Equal(HttpStatusCode.InternalServerError, (await c.Get($"/nodes/node1/qemu/{dst}/config")).Status);
                Assert.Empty(QemuHost.ImageFilesOf(m.DataDir, dst));
            }
            await c.Stop(src);
        }
        finally
        {
            await QemuHost.KillAll(m.DataDir);
        }
    }

    /// <summary>Every file under the member's storages (backup and image dirs), hidden work files included.</summary>
    private static IReadOnlyList<string> StorageFiles(string dataDir) =>
        Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dataDir, f))
            .Where(f => f.StartsWith("nodes/") || f.StartsWith("shared/"))
            .Order().ToList();

    [Fact]
    public async Task Kill9_during_backup_and_during_restore_leaves_no_work_files_behind()
    {
        var env = await QemuEnv.EnvAsync();
        await using var m = new MemberProcess(env);
        try
        {
            await m.StartAsync();
            var c = m.Client;
            const int vm = 100, restored = 200;
            await c.CreateVm(vm, ("scsi0", "local:1,format=raw"));
            var disk = QemuHost.PathOf(m.DataDir, "node1", $"local:{vm}/vm-{vm}-disk-0.raw");
            QemuHost.FillRandom(disk, 768 * MiB);

            // Backup: die while the disk is being converted into the archive's work directory.
            var upid = await c.Upid(c.Post("/nodes/node1/vzdump", ("vmid", $"{vm}"), ("storage", "shared")));
            var dump = Path.Combine(m.DataDir, "shared", "dump");
            await PveClient.Eventually(() => Task.FromResult(Directory.Exists(dump) && Directory.EnumerateFileSystemEntries(dump).Any()),
                TimeSpan.FromSeconds(30), "backup work files");
            m.Kill9();
            output.WriteLine($"after kill during backup: {string.Join(", ", StorageFiles(m.DataDir))}");
            await m.StartAsync();
            c = m.Client;
            var exit = await c.Wait(upid, TimeSpan.FromSeconds(120));
            output.WriteLine($"backup: {exit}");
            Assert.True((await c.Config(vm))["lock"] is null);
            var archives = Directory.GetFiles(dump, "*.tar").Select(Path.GetFileName).ToList();
            var dumpFiles = Directory.EnumerateFileSystemEntries(dump, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
            Assert.Equal(exit == "OK" ? 1 : 0, archives.Count);
            Assert.Equal(archives, dumpFiles);
            if (exit != "OK") return;

            // Restore: die while a drive is extracted / converted into the new volume.
            var archive = $"shared:backup/{archives[0]}";
            upid = await c.Upid(c.Post("/nodes/node1/qemu", ("vmid", $"{restored}"), ("archive", archive)));
            var images = Path.Combine(m.DataDir, "nodes", "node1", "local", "images", $"{restored}");
            await PveClient.Eventually(() => Task.FromResult(Directory.Exists(images) && Directory.EnumerateFiles(images).Any()),
                TimeSpan.FromSeconds(30), "restore work files");
            m.Kill9();
            output.WriteLine($"after kill during restore: {string.Join(", ", StorageFiles(m.DataDir))}");
            await m.StartAsync();
            c = m.Client;
            exit = await c.Wait(upid, TimeSpan.FromSeconds(120));
            output.WriteLine($"restore: {exit}");
            var left = Directory.Exists(images) ? Directory.GetFiles(images).Select(Path.GetFileName).ToList() : [];
            if (exit == "OK")
            {
                var cfg = await c.Config(restored);
                Assert.True(cfg["lock"] is null);
                Assert.Equal([$"vm-{restored}-disk-0.raw"], left);
                Assert.True(await QemuHost.SameContent(disk, Path.Combine(images, $"vm-{restored}-disk-0.raw")));
            }
            else
            {
                Assert.Empty(left);
                Assert.Equal(HttpStatusCode.InternalServerError, (await c.Get($"/nodes/node1/qemu/{restored}/config")).Status);
            }
            await PveClient.Eventually(() => Task.FromResult(QemuHost.Processes(m.DataDir, "qemu-img").Count == 0),
                TimeSpan.FromSeconds(15), "no qemu-img left running");
        }
        finally
        {
            await QemuHost.KillAll(m.DataDir);
        }
    }
}

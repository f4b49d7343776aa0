using System.Net;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Copies;

/// <summary>
/// kill -9 of the member while a full clone copies a disk with qemu-img, then a restart on the same data dir:
/// the clone either completes or is rolled back — never an orphan volume, a stale lock or a stray qemu-img.
/// </summary>
[Collection(CopiesCollection.Name)]
public sealed class CloneDurabilityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const long MiB = 1 << 20;

    private static async Task<string> Phase(PveClient c, string upid) =>
        (await c.Get($"/nodes/node1/tasks/{upid}/status")).Data?["phase"]?.GetValue<string>() ?? "";

    [Fact]
    public async Task Kill9_during_a_full_clone_copy_then_restart_leaves_a_complete_clone_or_nothing()
    {
        var env = (await QemuHost.EnvAsync()).ToDictionary(kv => kv.Key, kv => kv.Value!);
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
                Assert.True(QemuHost.ImageFilesOf(m.DataDir, dst).Count == 0, $"orphan volume: {string.Join(", ", QemuHost.ImageFilesOf(m.DataDir, dst))}; {why}");
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
}

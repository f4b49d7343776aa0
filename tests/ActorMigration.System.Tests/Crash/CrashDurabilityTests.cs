using System.Net;

namespace ActorMigration.SystemTests.Crash;

/// <summary>
/// The member is a real child process that gets kill -9 in the middle of a migration.
/// After a restart on the same data directory the workflow must finish, and I1–I4 must hold.
/// </summary>
[Collection(Collections.Cluster)]
public sealed class CrashDurabilityTests
{
    private static readonly string[] Nodes = ["node1", "node2", "node3"];

    private static async Task<int> RunningVm(PveClient c, int vmid, params (string, string)[] extra)
    {
        var form = new List<(string, string)> { ("vmid", vmid.ToString()), ("memory", "2048"), ("net0", "virtio,bridge=vmbr0") };
        form.AddRange(extra);
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post("/nodes/node1/qemu", form.ToArray()))));
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        return vmid;
    }

    private static async Task<string> Phase(PveClient c, string upid)
    {
        var r = await c.Get($"/nodes/node1/tasks/{upid}/status");
        return r.Data?["phase"]?.GetValue<string>() ?? "";
    }

    /// <summary>I1–I4 after the workflow ended OK: one copy runs, on the owner; no lock; the task has its end.</summary>
    private static async Task AssertMigratedTo(MemberProcess m, int vmid, string target, string upid)
    {
        var c = m.Client;
        Assert.Equal("OK", await c.Wait(upid, TimeSpan.FromSeconds(90)));                          // I4
        Assert.Equal([target], Reality.NodesRunning(m.DataDir, vmid, Nodes));                     // I1
        var status = await c.Get($"/nodes/{target}/qemu/{vmid}/status/current");
        Assert.Equal(HttpStatusCode.OK, status.Status);                                             // I2
        Assert.Equal("running", status.Data!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.InternalServerError, (await c.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
        var cfg = await c.Get($"/nodes/{target}/qemu/{vmid}/config");
        Assert.Null(cfg.Data!["lock"]);                                                             // I3
        Assert.Equal("TASK OK", (await c.Log(upid))[^1]);
    }

    [Fact]
    public async Task Kill9_during_precopy_then_restart_finishes_the_migration()
    {
        await using var m = new MemberProcess(new Dictionary<string, string> { ["AM_SIM_SPEED_FACTOR"] = "2" });
        await m.StartAsync();
        var vmid = await RunningVm(m.Client, 100);

        var upid = await m.Client.Upid(m.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
        await PveClient.Eventually(async () => await Phase(m.Client, upid) == "precopy-iterations",
            TimeSpan.FromSeconds(30), "precopy-iterations");
        await PveClient.Eventually(async () => (await m.Client.Log(upid)).Any(l => l.Contains("migration active")),
            TimeSpan.FromSeconds(30), "precopy progress");
        Assert.Equal("precopy-iterations", await Phase(m.Client, upid));

        m.Kill9();
        await m.StartAsync();

        await AssertMigratedTo(m, vmid, "node2", upid);
        var log = await m.Client.Log(upid);
        Assert.Single(log, l => l.Contains("migration finished successfully"));
        Assert.Single(log, l => l.EndsWith("migration status: completed"));
    }

    [Fact]
    public async Task Kill9_during_prepare_then_restart_finishes_the_migration()
    {
        // A slow target node keeps the workflow in prepare long enough to kill it there.
        await using var m = new MemberProcess(new Dictionary<string, string>
        {
            ["AM_SIM_SPEED_FACTOR"] = "20",
            ["AM_SIM_FACTS_DELAY_MS"] = "4000",
        });
        await m.StartAsync();
        var vmid = await RunningVm(m.Client, 101);

        var upid = await m.Client.Upid(m.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
        await Task.Delay(1000);
        Assert.Equal("prepare", await Phase(m.Client, upid));
        Assert.DoesNotContain(await m.Client.Log(upid), l => l.Contains("starting migration"));

        m.Kill9();
        m.SetEnv("AM_SIM_FACTS_DELAY_MS", "0");
        await m.StartAsync();

        await AssertMigratedTo(m, vmid, "node2", upid);
    }

    [Fact]
    public async Task Kill9_during_offline_disk_copy_then_restart_leaves_one_volume_on_the_target()
    {
        await using var m = new MemberProcess(new Dictionary<string, string> { ["AM_SIM_SPEED_FACTOR"] = "4" });
        await m.StartAsync();
        var c = m.Client;
        const int vmid = 102;
        Assert.Equal("OK", await c.Wait(await c.Upid(c.Post("/nodes/node1/qemu", ("vmid", "102"), ("scsi0", "local:4")))));

        var upid = await c.Upid(c.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
        await PveClient.Eventually(async () => await Phase(c, upid) == "copy-disks", TimeSpan.FromSeconds(30), "copy-disks");
        await Task.Delay(1500);
        Assert.Equal("copy-disks", await Phase(c, upid));

        m.Kill9();
        await m.StartAsync();

        Assert.Equal("OK", await m.Client.Wait(upid, TimeSpan.FromSeconds(120)));
        var images = Path.Combine(m.DataDir, "nodes", "{0}", "local", "images", vmid.ToString());
        Assert.False(Directory.Exists(string.Format(images, "node1")) && Directory.EnumerateFiles(string.Format(images, "node1")).Any());
        Assert.Equal([$"vm-{vmid}-disk-0.qcow2"], Directory.EnumerateFiles(string.Format(images, "node2")).Select(Path.GetFileName));
        var cfg = await m.Client.Get($"/nodes/node2/qemu/{vmid}/config");
        Assert.Null(cfg.Data!["lock"]);
    }
}

using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// move_disk on real QEMU: a running guest's disk mirrored to the other dir storage and pivoted through a kill -9 of the member
/// (the guest keeps beating and its data, query-block shows the file the config names), on with delete=1; a stopped VM's disk
/// converted qcow2 → raw.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuMoveDiskTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private PveClient C => M.Client;

    private async Task<JsonNode> Config(int vmid) => (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;

    private async Task<string> BlockFile(int pid)
    {
        await using var mon = await QmpTcpMonitor.ConnectAsync(pid);
        var block = (JsonArray)(await mon.ExecuteAsync("query-block"))!;
        return block.Select(b => b!["inserted"]?["file"]?.ToString()).Single(x => x is not null && x.Contains("vm-", StringComparison.Ordinal))!;
    }

    private async Task Move(int vmid, params (string, string)[] form)
    {
        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/move_disk", [("disk", "scsi0"), .. form]));
        Assert.Contains(":qmmove:", upid);
        output.WriteLine(string.Join('\n', await QemuVms.WaitOk(M, upid)));
    }

    /// <summary>
    /// The first move is interrupted by kill -9 of the member during the mirror: after the restart the task ends OK (the mirror
    /// job that still runs is reused) or rolled back, the VM runs on exactly one volume and the config names it, no stray volume.
    /// Then it moves on (to the other storage) with delete=1.
    /// </summary>
    [Fact]
    public async Task A_running_guests_disk_moves_live_through_a_member_kill9_and_back_with_delete()
    {
        var vmid = f.NextVmId();
        var root = await M.RootSessionAsync();
        try
        {
            var create = await root.Upid(root.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "256"), ("scsi0", "local:1"),
                ("args", QmpTcpMonitor.Args), ("start", "1")));
            await QemuVms.WaitOk(M, create);
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "disk mounted /dev/sda");
            await GuestConsole.WaitForSettledAsync(M.DataDir, "node1", vmid);
            var pid = Reality.QemuPid(M.DataDir, "node1", vmid)!.Value;
            // QEMU counts the whole disk against the limit: 1 GiB at 256 MiB/s, a mirror of a few seconds to die in.
            await GuestConsole.RunAsync(M.DataDir, "node1", vmid,
                "echo before > /mnt/disk/f; dd if=/dev/urandom of=/mnt/disk/r bs=1M count=16 2>/dev/null; sync", TimeSpan.FromSeconds(60));

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/move_disk", ("disk", "scsi0"), ("storage", "shared"), ("bwlimit", "262144")));
            await PveClient.Eventually(async () => (await C.Log(upid)).Any(l => l.Contains("drive-scsi0: transferred", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), "mirror progress");
            M.Kill9();
            await M.StartAsync();
            var exit = await C.Wait(upid, QemuVms.TaskTimeout);
            var log = await C.Log(upid);
            output.WriteLine($"after kill -9: {exit}\n{string.Join('\n', log)}");
            Assert.True(exit == "OK" || exit.StartsWith("storage migration failed", StringComparison.Ordinal), exit);

            var cfg = await Config(vmid);
            Assert.Null(cfg["lock"]);
            var current = cfg["scsi0"]!.GetValue<string>().Split(',')[0];
            Assert.Equal(pid, QemuVms.AssertOneQemuOn(M, vmid, "node1"));
            Assert.Equal(f.PathOf(current), await BlockFile(pid));
            var moved = $"shared:{vmid}/vm-{vmid}-disk-0.qcow2";
            var old = $"local:{vmid}/vm-{vmid}-disk-0.qcow2";
            if (exit == "OK")
            {
                Assert.Equal(moved, current);
                Assert.Equal(old, cfg["unused0"]!.GetValue<string>());
                Assert.True(File.Exists(f.PathOf(old)));
            }
            else
            {
                Assert.Equal(old, current);
                Assert.False(File.Exists(f.PathOf(moved)), "a rolled-back move leaves no new volume");
            }
            // The same QEMU, still beating, reads the old data from its volume and writes there.
            var beat = GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid);
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node1", vmid, beat + 2, TimeSpan.FromSeconds(30));
            Assert.Contains("before", await GuestConsole.RunAsync(M.DataDir, "node1", vmid,
                "echo 3 > /proc/sys/vm/drop_caches; cat /mnt/disk/f; echo after > /mnt/disk/g; sync"));

            // On to the other storage, the old volume removed.
            var other = current.StartsWith("shared:", StringComparison.Ordinal) ? "local" : "shared";
            await Move(vmid, ("storage", other), ("delete", "1"));
            cfg = await Config(vmid);
            var next = cfg["scsi0"]!.GetValue<string>().Split(',')[0];
            Assert.StartsWith(other + ":", next);
            Assert.Equal(f.PathOf(next), await BlockFile(pid));
            Assert.False(File.Exists(f.PathOf(current)), "the moved-away volume is removed with delete=1");
            Assert.Equal(["before", "after"], (await GuestConsole.RunAsync(M.DataDir, "node1", vmid,
                "echo 3 > /proc/sys/vm/drop_caches; cat /mnt/disk/f /mnt/disk/g")).Where(l => l is "before" or "after"));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    [Fact]
    public async Task A_stopped_vms_qcow2_disk_is_converted_to_raw_on_the_other_storage()
    {
        var vmid = f.NextVmId();
        await QemuVms.CreateAsync(C, "node1", vmid, 256, start: false, ("scsi0", "local:1"));
        await Move(vmid, ("storage", "shared"), ("format", "raw"));
        var moved = $"shared:{vmid}/vm-{vmid}-disk-0.raw";
        Assert.StartsWith(moved + ",", (await Config(vmid))["scsi0"]!.GetValue<string>());
        var info = await QemuHost.Info(f.PathOf(moved));
        Assert.Equal("raw", info["format"]!.GetValue<string>());
        Assert.Equal(1L << 30, info["virtual-size"]!.GetValue<long>());
    }
}

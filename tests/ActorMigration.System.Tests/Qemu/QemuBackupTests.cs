using System.Text.RegularExpressions;
using ActorMigration.SystemTests.Copies;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>vzdump of a running real QEMU guest (snapshot mode: a block job while it runs; suspend mode), zstd, restore with options.</summary>
[Collection(Collections.Qemu)]
public sealed class QemuBackupTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private PveClient C => f.Member.Client;

    [Fact]
    public async Task Snapshot_vzdump_of_a_running_guest_keeps_it_running_and_its_restore_boots_with_the_disk_of_the_backup_point()
    {
        const int vmid = 241, restored = 242;
        try
        {
            var pid = await QemuVms.StartGuestAsync(M, "node1", vmid, 256, ("scsi0", "local:1"), ("name", "live"));
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "disk mounted /dev/sda");
            Assert.Contains("written-A", await GuestConsole.RunAsync(M.DataDir, "node1", vmid, "echo A > /mnt/disk/m && sync && echo written-A"));
            var before = GuestConsole.LastHeartbeat(Reality.SerialLog(M.DataDir, "node1", vmid));

            var upid = await C.Upid(C.Post("/nodes/node1/vzdump", ("vmid", vmid.ToString()), ("storage", "local"), ("mode", "snapshot"),
                ("compress", "zstd")));
            // The guest keeps beating while the backup task runs.
            var beatsDuring = 0;
            while (await QemuVms.Phase(C, upid) is not "done" and not "")
            {
                beatsDuring = Math.Max(beatsDuring, GuestConsole.LastHeartbeat(Reality.SerialLog(M.DataDir, "node1", vmid)) - before);
                await Task.Delay(200);
            }
            var log = await QemuVms.WaitOk(M, upid);
            output.WriteLine(string.Join('\n', log));
            Assert.Contains("INFO: backup mode: snapshot", log);
            Assert.Contains("INFO: status = running", log);
            Assert.Contains(log, l => l.StartsWith($"INFO: Finished Backup of VM {vmid} (", StringComparison.Ordinal));
            var archive = log.Select(l => Regex.Match(l, @"creating vzdump archive '([^']+)'")).First(m => m.Success).Groups[1].Value;
            Assert.Matches($@"^local:backup/vzdump-qemu-{vmid}-\d{{4}}_\d\d_\d\d-\d\d_\d\d_\d\d\.tar\.zst$", archive);
            var file = f.PathOf(archive);
            Assert.Equal("28-B5-2F-FD", BitConverter.ToString(File.ReadAllBytes(file)[..4]));
            Assert.Equal(pid, Reality.QemuPid(M.DataDir, "node1", vmid));
            Assert.Equal("running", (await C.Current(vmid)).Str("status"));
            Assert.Null((await C.Config(vmid))["lock"]);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(f.PathOf((await C.Config(vmid)).Volid("scsi0")))!, "vzdump-*"));
            Assert.True(beatsDuring > 0, "the guest did not beat while the backup ran");

            Assert.Contains("written-B", await GuestConsole.RunAsync(M.DataDir, "node1", vmid, "echo B > /mnt/disk/m && sync && echo written-B"));
            // Suspend mode: paused for the copy, running again after it.
            var suspendLog = await QemuVms.WaitOk(M, await C.Upid(C.Post("/nodes/node1/vzdump", ("vmid", vmid.ToString()), ("storage", "local"),
                ("mode", "suspend"))));
            Assert.Contains("INFO: backup mode: suspend", suspendLog);
            Assert.Contains("INFO: resuming VM again", suspendLog);
            Assert.Equal("running", (await C.Current(vmid)).Str("status"));
            var afterSuspend = GuestConsole.LastHeartbeat(Reality.SerialLog(M.DataDir, "node1", vmid));
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node1", vmid, afterSuspend + 2);

            await C.Task(C.Post("/nodes/node1/qemu", ("vmid", restored.ToString()), ("archive", archive), ("name", "restored"),
                ("memory", "320")));
            var r = await C.Config(restored);
            Assert.Equal(("restored", "320"), (r.Str("name"), r.Str("memory")));
            await C.Start(restored);
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", restored, "disk mounted /dev/sda");
            var seen = await GuestConsole.RunAsync(M.DataDir, "node1", restored, "cat /mnt/disk/m");
            Assert.Contains("A", seen);
            Assert.DoesNotContain("B", seen);
        }
        finally
        {
            await QemuVms.StopQuietly(M, restored);
            await QemuVms.StopQuietly(M, vmid);
        }
    }
}

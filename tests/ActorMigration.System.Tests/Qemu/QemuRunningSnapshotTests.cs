using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// Snapshots of a running real guest: disk-only (QMP transaction) and with RAM state (snapshot-save), rollbacks that
/// resume the guest where it was or boot it with the disk as it was, and a delete while it runs.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuRunningSnapshotTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private PveClient C => f.Member.Client;

    private async Task<IReadOnlyList<string>> Snapshots(string volid) =>
        (await QemuHost.Info(f.PathOf(volid)))["snapshots"]?.AsArray().Select(s => s!["name"]!.ToString()).ToList() ?? [];

    private Task<IReadOnlyList<string>> Guest(int vmid, string command) => GuestConsole.RunAsync(M.DataDir, "node1", vmid, command);

    private Task<string> DiskMounted(int vmid) =>
        GuestConsole.WaitForAsync(M.DataDir, "node1", vmid, l => l.Contains("disk mounted"), TimeSpan.FromSeconds(120), "guest disk mounted");

    [Fact]
    public async Task A_running_guest_is_snapshotted_with_and_without_ram_and_rolled_back_to_each()
    {
        var vmid = f.NextVmId();
        try
        {
            await QemuVms.StartGuestAsync(M, "node1", vmid, 256, ("scsi0", "local:1,format=qcow2"));
            await DiskMounted(vmid);
            var volid = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["scsi0"]!.GetValue<string>().Split(',')[0];
            Assert.Contains("written", await Guest(vmid, "echo before > /mnt/disk/marker.txt && sync && echo written"));

            // Disk-only, while the guest runs.
            var log = await QemuVms.WaitOk(M, await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "disks"))));
            Assert.Contains(log, l => l.Contains($"snapshotting '{volid}' (disks)"));
            Assert.Equal(["disks"], await Snapshots(volid));
            Assert.Contains("written", await Guest(vmid, "echo after > /mnt/disk/marker.txt && sync && echo written"));

            // With RAM state at heartbeat h; the guest runs on to h + 20.
            var h = GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid);
            await QemuVms.WaitOk(M, await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "ram"), ("vmstate", "1"))));
            Assert.Equal(["disks", "ram"], await Snapshots(volid));
            var snap = (await C.Get($"/nodes/node1/qemu/{vmid}/snapshot/ram/config")).Data!;
            Assert.Equal(volid, snap["vmstate"]!.GetValue<string>());
            Assert.StartsWith("pc-i440fx-", snap["runningmachine"]!.GetValue<string>());
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node1", vmid, h + 20);

            // Rollback to it: the guest goes on from about h (no boot), its disk as it was then.
            log = await QemuVms.WaitOk(M, await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot/ram/rollback")));
            Assert.Contains("-loadvm ram", QemuHost.QemuCommandLine(M.DataDir, "node1", vmid));
            var resumed = await GuestConsole.WaitForAsync(M.DataDir, "node1", vmid, l => GuestConsole.Heartbeats(l).Count >= 2,
                TimeSpan.FromSeconds(60), "heartbeats after the rollback");
            var beats = GuestConsole.Heartbeats(resumed);
            output.WriteLine($"snapshot at heartbeat {h}, ran to {h + 20}, first heartbeat after the rollback {beats[0]}");
            Assert.InRange(beats[0], h, h + 4);
            Assert.DoesNotContain(GuestConsole.Lines(resumed), l => l.StartsWith("am-guest boot", StringComparison.Ordinal));
            Assert.Equal(["after"], await Guest(vmid, "cat /mnt/disk/marker.txt"));
            Assert.Equal("running", (await C.Get($"/nodes/node1/qemu/{vmid}/status/current")).Data!["status"]!.GetValue<string>());

            // Rollback to the disk-only one (start=1): a fresh boot that sees the disk as it was.
            await QemuVms.WaitOk(M, await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot/disks/rollback", ("start", "1"))));
            Assert.DoesNotContain("-loadvm", QemuHost.QemuCommandLine(M.DataDir, "node1", vmid));
            await DiskMounted(vmid);
            Assert.Equal(["before"], await Guest(vmid, "cat /mnt/disk/marker.txt"));

            // Delete while it runs: QMP removes it from the disk.
            await QemuVms.WaitOk(M, await C.Upid(C.Delete($"/nodes/node1/qemu/{vmid}/snapshot/ram")));
            Assert.Equal(["disks"], await Snapshots(volid));
            Assert.Equal(["disks", "current"], (await C.Get($"/nodes/node1/qemu/{vmid}/snapshot")).Data!.AsArray().Select(s => s!["name"]!.ToString()));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }
}

using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// Real-QEMU migrations of a UEFI VM with an unused disk, a drive without <c>size=</c>, an <c>efidisk0</c> holding
/// an EFI variable the guest wrote, and (offline) a qcow2 internal snapshot: the volumes, their sizes, the snapshot
/// and the variable arrive on node2 as Proxmox moves them.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuMigrationVolumeTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private PveClient C => f.Member.Client;

    private string Volume(string node, int vmid, int disk) =>
        Path.Combine(M.DataDir, "nodes", node, "local", "images", vmid.ToString(), $"vm-{vmid}-disk-{disk}.qcow2");

    private async Task SetConfig(string node, int vmid, params (string, string)[] values)
    {
        var r = await C.Put($"/nodes/{node}/qemu/{vmid}/config", values);
        Assert.True(r.Status == System.Net.HttpStatusCode.OK, r.Body);
    }

    private async Task<string?> Cfg(string node, int vmid, string key) =>
        (await C.Get($"/nodes/{node}/qemu/{vmid}/config")).Data?[key]?.GetValue<string>();

    // OVMF under TCG boots slower than SeaBIOS: generous, bounded waits.
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(240);

    /// <summary>Boots the UEFI VM on node1 and has the guest write a fresh EFI variable; returns its value.</summary>
    private async Task<string> BootAndWriteEfiVariable(int vmid)
    {
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start")), QemuVms.TaskTimeout));
        await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "efivar none", Boot);
        var value = $"am{Guid.NewGuid():N}"[..18];
        Assert.Equal([$"efivar {value}"], await GuestConsole.RunAsync(M.DataDir, "node1", vmid, $"am-efivar {value}"));
        return value;
    }

    /// <summary>A UEFI VM (bios ovmf, efidisk0) with scsi0 (1G) without size= and scsi1 (1G) detached to unused0.</summary>
    private async Task CreateWithUnusedAndNoSize(int vmid)
    {
        await QemuVms.CreateAsync(C, "node1", vmid, 512, start: false, ("scsi0", "local:1"), ("scsi1", "local:1"),
            ("bios", "ovmf"), ("efidisk0", "local:1,efitype=4m"));
        await SetConfig("node1", vmid, ("delete", "scsi1"));
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2", await Cfg("node1", vmid, "unused0"));
        await SetConfig("node1", vmid, ("scsi0", $"local:{vmid}/vm-{vmid}-disk-0.qcow2"));
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2", await Cfg("node1", vmid, "scsi0"));
    }

    private static async Task Io(string file, string command)
    {
        var io = await QemuVms.Run("qemu-io", "-f", "qcow2", "-c", command, file);
        Assert.True(io.ExitCode == 0 && !io.Output.Contains("fail", StringComparison.OrdinalIgnoreCase), $"qemu-io {command}: {io.Output}");
    }

    [Fact]
    public async Task Offline_migration_carries_the_unused_disk_the_real_size_and_the_qcow2_snapshot()
    {
        const int vmid = 221;
        try
        {
            await CreateWithUnusedAndNoSize(vmid);
            var efivar = await BootAndWriteEfiVariable(vmid);
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/stop")), QemuVms.TaskTimeout));
            // Data in the snapshot, other data after it, and a pattern on the unused disk.
            await Io(Volume("node1", vmid, 0), "write -P 0x5a 0 2M");
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/snapshot", ("snapname", "before")))));
            await Io(Volume("node1", vmid, 0), "write -P 0xa5 0 1M");
            await Io(Volume("node1", vmid, 1), "write -P 0x3c 300M 1M");

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
            var log = await QemuVms.WaitOk(M, upid);
            output.WriteLine(string.Join('\n', log));
            Assert.Contains(log, l => l.EndsWith($"drive 'scsi0': size of disk 'local:{vmid}/vm-{vmid}-disk-0.qcow2' updated from 0T to 1G"));
            Assert.Contains(log, l => l.EndsWith($"found local disk 'local:{vmid}/vm-{vmid}-disk-1.qcow2' (unused)"));
            Assert.Equal("TASK OK", log[^1]);

            Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", await Cfg("node2", vmid, "scsi0"));
            Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2", await Cfg("node2", vmid, "unused0"));
            Assert.False(File.Exists(Volume("node1", vmid, 0)));
            Assert.False(File.Exists(Volume("node1", vmid, 1)));

            // The internal snapshot is on the target volume, and the data on both volumes came along.
            var (rc, list) = await QemuVms.Run("qemu-img", "snapshot", "-l", Volume("node2", vmid, 0));
            Assert.True(rc == 0, list);
            Assert.Contains("before", list);
            await Io(Volume("node2", vmid, 0), "read -P 0xa5 0 1M");
            await Io(Volume("node2", vmid, 0), "read -P 0x5a 1M 1M");
            await Io(Volume("node2", vmid, 1), "read -P 0x3c 300M 1M");
            var check = await QemuVms.Run("qemu-img", "check", Volume("node2", vmid, 0));
            Assert.True(check.ExitCode == 0, check.Output);

            // The guest boots on node2 from the moved efidisk0 and reads the variable it wrote on node1.
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/status/start")), QemuVms.TaskTimeout));
            await GuestConsole.WaitForLineAsync(M.DataDir, "node2", vmid, $"efivar {efivar}", Boot);
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/status/stop")), QemuVms.TaskTimeout));

            // Proxmox's rollback on node2 finds the snapshot: the data written before it is back.
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/snapshot/before/rollback")), QemuVms.TaskTimeout));
            await Io(Volume("node2", vmid, 0), "read -P 0x5a 0 2M");
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    [Fact]
    public async Task Live_migration_with_local_disks_mirrors_scsi0_at_its_real_size_and_copies_the_unused_disk()
    {
        const int vmid = 222;
        try
        {
            await CreateWithUnusedAndNoSize(vmid);
            await Io(Volume("node1", vmid, 1), "write -P 0x3c 0 1M");
            var efivar = await BootAndWriteEfiVariable(vmid);
            await GuestConsole.WaitForSettledAsync(M.DataDir, "node1", vmid);

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
            var log = await QemuVms.WaitOk(M, upid, TimeSpan.FromSeconds(300));
            output.WriteLine(string.Join('\n', log));
            Assert.Contains(log, l => l.EndsWith($"drive 'scsi0': size of disk 'local:{vmid}/vm-{vmid}-disk-0.qcow2' updated from 0T to 1G"));
            Assert.Contains(log, l => l.EndsWith($"volume 'local:{vmid}/vm-{vmid}-disk-1.qcow2' copied to 'local:{vmid}/vm-{vmid}-disk-1.qcow2' on " +
                $"node 'node2'"));
            Assert.Contains(log, l => l.Contains("drive mirror is starting for drive-scsi0"));
            Assert.Contains(log, l => l.EndsWith("drive-efidisk0: Completed successfully."));
            Assert.DoesNotContain(log, l => l.Contains("drive-unused0"));
            Assert.Equal("TASK OK", log[^1]);

            var pid = QemuVms.AssertOneQemuOn(M, vmid, "node2");
            await QemuVms.AssertOwnedAndRunning(C, vmid, "node2", pid);
            Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", await Cfg("node2", vmid, "scsi0"));
            Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2", await Cfg("node2", vmid, "unused0"));
            var (rc, json) = await QemuVms.Run("qemu-img", "info", "--output=json", "-U", Volume("node2", vmid, 0));
            Assert.True(rc == 0, json);
            Assert.Contains("\"virtual-size\": 1073741824", json);
            await Io(Volume("node2", vmid, 1), "read -P 0x3c 0 1M");
            Assert.False(File.Exists(Volume("node1", vmid, 1)));
            var last = GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid, includeOld: true);
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node2", vmid, last + 3);
            // The running guest reads its EFI variable from the firmware on node2 (efidisk0 was mirrored).
            Assert.Equal([$"efivar {efivar}"], await GuestConsole.RunAsync(M.DataDir, "node2", vmid, "am-efivar"));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }
}

using System.Net;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// Disks of running and stopped VMs on real QEMU: hot-plug through a config edit, live and offline resize, and a live
/// migration of a VM whose disk sits on the <c>shared 1</c> storage (no disk copy, no write lost).
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuDiskEditTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private PveClient C => M.Client;

    private Task<IReadOnlyList<string>> Guest(string node, int vmid, string command) => GuestConsole.RunAsync(M.DataDir, node, vmid, command);

    private async Task<string> Cfg(string node, int vmid, string key) =>
        (await C.Get($"/nodes/{node}/qemu/{vmid}/config")).Data![key]!.GetValue<string>();

    [Fact]
    public async Task A_running_guest_sees_a_disk_added_by_a_config_edit_and_its_growth_by_resize()
    {
        const int vmid = 241;
        try
        {
            await QemuVms.StartGuestAsync(M, "node1", vmid, 256, ("scsi0", "local:1"));
            Assert.Contains("none", await Guest("node1", vmid, "cat /sys/block/sdb/size 2>/dev/null || echo none"));

            var put = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("scsi1", "local:1"));
            Assert.True(put.Status == HttpStatusCode.OK, put.ToString());
            Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2,size=1G", await Cfg("node1", vmid, "scsi1"));
            // virtio-scsi tells the guest of the new target: sdb appears with 1 GiB (512-byte sectors).
            await PveClient.Eventually(async () => (await Guest("node1", vmid, "cat /sys/block/sdb/size 2>/dev/null || echo none")).Contains("2097152"),
                TimeSpan.FromSeconds(30), "the guest sees sdb with 1 GiB");

            var upid = await C.Upid(C.Put($"/nodes/node1/qemu/{vmid}/resize", ("disk", "scsi1"), ("size", "+1G")));
            Assert.Contains(":resize:", upid);
            output.WriteLine(string.Join('\n', await QemuVms.WaitOk(M, upid)));
            Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.qcow2,size=2G", await Cfg("node1", vmid, "scsi1"));
            // QEMU reports the capacity change to the guest: no rescan is needed.
            await PveClient.Eventually(async () => (await Guest("node1", vmid, "cat /sys/block/sdb/size")).Contains("4194304"),
                TimeSpan.FromSeconds(30), "the guest sees sdb with 2 GiB");
            var info = await QemuHost.Info(f.PathOf($"local:{vmid}/vm-{vmid}-disk-1.qcow2"));
            Assert.Equal(2L << 30, info["virtual-size"]!.GetValue<long>());
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    [Fact]
    public async Task A_running_guest_gets_a_nic_added_by_a_config_edit_with_its_mac_and_qemu_keeps_running()
    {
        const int vmid = 244;
        try
        {
            // args (a second QMP monitor for the test) is root's.
            await QemuVms.CreateAsync(await M.RootSessionAsync(), "node1", vmid, 256, start: true, ("scsi0", "local:1"), ("args", QmpTcpMonitor.Args));
            var pid = Reality.QemuPid(M.DataDir, "node1", vmid)!.Value;
            await GuestConsole.WaitForSettledAsync(M.DataDir, "node1", vmid);
            var before = await Guest("node1", vmid, "ls /sys/class/net");
            output.WriteLine("guest NICs before: " + string.Join(' ', before));

            var put = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("net1", "virtio"));
            Assert.True(put.Status == HttpStatusCode.OK, put.ToString());
            var net1 = (await C.Get($"/nodes/node1/qemu/{vmid}/config", ("current", "1"))).Data!["net1"]!.GetValue<string>();
            var mac = Regex.Match(net1, "^virtio=([0-9A-F:]{17})$").Groups[1].Value;
            Assert.NotEmpty(mac);

            // QEMU has the device with the config's MAC: the same process, plugged live.
            await using var qmp = await QmpTcpMonitor.ConnectAsync(pid);
            var qemuMac = (await qmp.ExecuteAsync("qom-get", new System.Text.Json.Nodes.JsonObject
            {
                ["path"] = "/machine/peripheral/net1", ["property"] = "mac",
            }))!.GetValue<string>();
            Assert.Equal(mac, qemuMac, ignoreCase: true);
            Assert.Equal(pid, Reality.QemuPid(M.DataDir, "node1", vmid));
            // The guest's kernel finds the new PCI device (ACPI hot-plug).
            await PveClient.Eventually(async () => (await Guest("node1", vmid, "cat /sys/class/net/*/address")).Any(l => l.Contains(mac.ToLowerInvariant())),
                TimeSpan.FromSeconds(30), "the guest sees the new NIC's MAC");
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    [Fact]
    public async Task A_stopped_vm_disk_grows_with_qemu_img()
    {
        const int vmid = 242;
        await QemuVms.CreateAsync(C, "node1", vmid, 256, start: false, ("scsi0", "local:1"));
        var upid = await C.Upid(C.Put($"/nodes/node1/qemu/{vmid}/resize", ("disk", "scsi0"), ("size", "1536M")));
        await QemuVms.WaitOk(M, upid);
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1536M", await Cfg("node1", vmid, "scsi0"));
        var info = await QemuHost.Info(f.PathOf($"local:{vmid}/vm-{vmid}-disk-0.qcow2"));
        Assert.Equal(1536L << 20, info["virtual-size"]!.GetValue<long>());
        var shrink = await C.Put($"/nodes/node1/qemu/{vmid}/resize", ("disk", "scsi0"), ("size", "1G"));
        Assert.Equal("shrinking disks is not supported", shrink.Reason);
    }

    [Fact]
    public async Task Live_migration_on_shared_storage_copies_no_disk_and_loses_no_write()
    {
        const int vmid = 243;
        try
        {
            await QemuVms.StartGuestAsync(M, "node1", vmid, 256, ("scsi0", "shared:1,format=raw"));
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "disk mounted /dev/sda");
            // Each write reaches the disk (sync) before the guest reports it.
            await GuestConsole.SendLineAsync(M.DataDir, "node1", vmid,
                "i=0; while [ ! -e /tmp/stop ]; do echo $i >> /mnt/disk/counter; sync; echo wrote $i; i=$((i+1)); sleep 0.3; done &");
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "wrote 3");

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
            var log = await QemuVms.WaitOk(M, upid);
            output.WriteLine(string.Join('\n', log));
            Assert.DoesNotContain(log, l => l.Contains("mirror", StringComparison.OrdinalIgnoreCase) || l.Contains("nbd", StringComparison.OrdinalIgnoreCase)
                || l.Contains("copying disk", StringComparison.OrdinalIgnoreCase));
            QemuVms.AssertOneQemuOn(M, vmid, "node2");

            var before = Wrote(Reality.SerialLog(M.DataDir, "node1", vmid, includeOld: true)).Max();
            await GuestConsole.WaitForLineAsync(M.DataDir, "node2", vmid, $"wrote {before + 3}");
            await Guest("node2", vmid, "touch /tmp/stop; sleep 1; sync");
            var reported = Wrote(Reality.SerialLog(M.DataDir, "node1", vmid, includeOld: true) + Reality.SerialLog(M.DataDir, "node2", vmid));
            // Read back from the disk itself: the clean page cache is dropped first.
            var lines = await Guest("node2", vmid, "echo 3 > /proc/sys/vm/drop_caches; cat /mnt/disk/counter");
            var onDisk = lines.Where(l => Regex.IsMatch(l, @"^\d+$")).Select(int.Parse).ToList();
            Assert.Equal(Enumerable.Range(0, onDisk.Count), onDisk);
            Assert.True(reported.Max() < onDisk.Count, $"the guest reported write {reported.Max()} but the disk holds {onDisk.Count} lines");
            Assert.True(reported.Max() > before, "no write after the switchover");

            // And on the host, from the shared file after the VM stopped.
            await QemuVms.StopQuietly(M, vmid);
            var file = f.PathOf($"shared:{vmid}/vm-{vmid}-disk-0.raw");
            var (exit, text, err) = await QemuHost.Run("debugfs", "-R", "cat /counter", file);
            Assert.True(exit == 0, err);
            var hostLines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => Regex.IsMatch(l, @"^\d+$")).Select(int.Parse).ToList();
            Assert.True(hostLines.Count >= onDisk.Count, $"host file has {hostLines.Count} lines, the guest read {onDisk.Count}");
            Assert.Equal(Enumerable.Range(0, hostLines.Count), hostLines);
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    private static List<int> Wrote(string log) =>
        GuestConsole.Lines(log).Select(l => Regex.Match(l, @"^wrote (\d+)$")).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();
}

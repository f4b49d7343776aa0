using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// Migrations of real QEMU guests (TCG, the lightly dirtying heartbeat guest) through the Proxmox API of a real
/// member process; what happened is read from the run directories, /proc, the serial consoles and the volumes.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuMigrationTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private PveClient C => f.Member.Client;

    private static string LocalVolume(string dataDir, string node, int vmid) =>
        Path.Combine(dataDir, "nodes", node, "local", "images", vmid.ToString(), $"vm-{vmid}-disk-0.qcow2");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int SysLink(string existing, string newPath);

    /// <summary>A second name for the same inode: the bytes survive when the workflow unlinks the volume.</summary>
    private static void HardLink(string existing, string newPath)
    {
        if (SysLink(existing, newPath) != 0)
            throw new IOException($"link {existing} {newPath}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    private static Task<(int ExitCode, string Output)> QemuImg(params string[] args) => QemuVms.Run("qemu-img", args);

    [Fact]
    public async Task Online_migration_of_a_running_guest_moves_its_only_qemu_to_node2_and_it_keeps_counting()
    {
        const int vmid = 201;
        try
        {
            var srcPid = await QemuVms.StartGuestAsync(M, "node1", vmid, 512);
            Assert.Equal(srcPid, QemuVms.AssertOneQemuOn(M, vmid, "node1"));

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
            var log = await QemuVms.WaitOk(M, upid);
            output.WriteLine(string.Join('\n', log));

            // Exactly one QEMU for the VM is left, node2's; node1's process is gone.
            var dstPid = QemuVms.AssertOneQemuOn(M, vmid, "node2");
            Assert.NotEqual(srcPid, dstPid);
            QemuVms.AssertGone(M, srcPid, "node1", vmid);
            await QemuVms.AssertOwnedAndRunning(C, vmid, "node2", dstPid);

            // The member's target listened for TLS clients with a cluster certificate only (docs/security.md), so the
            // stream that arrived came over TLS; the wire itself is checked in Drivers.Qemu.Tests' MigrationTlsTests.
            var targetCmd = QemuHost.QemuCommandLine(M.DataDir, "node2", vmid)!;
            Assert.Contains("tls-creds-x509,id=am-tls-server,endpoint=server", targetCmd);
            Assert.Contains("verify-peer=on", targetCmd);
            Assert.Contains("migration.tls-creds=am-tls-server", targetCmd);

            // The task log carries QEMU's own downtime and the Proxmox ending.
            var downtime = QemuVms.Downtime(log);
            Assert.Contains(log, l => l.EndsWith("migration status: completed"));
            Assert.Single(log, l => l.Contains("migration finished successfully (duration "));
            Assert.Equal("TASK OK", log[^1]);

            // The same guest keeps counting on node2: no reboot, and beyond anything node1 ever printed.
            var sourceLog = Reality.SerialLog(M.DataDir, "node1", vmid, includeOld: true);
            var lastOnSource = GuestConsole.Heartbeats(sourceLog).Max();
            var target = await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node2", vmid, lastOnSource + 5);
            var beats = GuestConsole.Heartbeats(target);
            Assert.DoesNotContain(GuestConsole.Lines(target), l => l.StartsWith("am-guest boot"));
            Assert.InRange(beats[0], lastOnSource - 2, lastOnSource + 10);
            Assert.True(beats.Max() > lastOnSource);
            output.WriteLine($"downtime {downtime} ms; last heartbeat on node1 {lastOnSource}, first on node2 {beats[0]}, now {beats.Max()}");
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    [Fact]
    public async Task Online_migration_with_a_local_disk_carries_the_guests_data_and_leaves_an_identical_volume()
    {
        const int vmid = 202;
        var keep = Path.Combine(M.DataDir, $"source-{vmid}.qcow2");
        try
        {
            await QemuVms.StartGuestAsync(M, "node1", vmid, 512, ("scsi0", "local:1"));
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "disk mounted /dev/sda");
            var marker = $"marker-{Guid.NewGuid():N}";
            await GuestConsole.RunAsync(M.DataDir, "node1", vmid, $"echo {marker} > /mnt/disk/marker; sync");
            Assert.Contains(marker, await GuestConsole.RunAsync(M.DataDir, "node1", vmid, "cat /mnt/disk/marker"));

            // The workflow frees the source volume at its end: a hard link keeps the source's inode (and bytes).
            var src = LocalVolume(M.DataDir, "node1", vmid);
            var dst = LocalVolume(M.DataDir, "node2", vmid);
            Assert.True(File.Exists(src));
            Assert.False(File.Exists(dst));
            HardLink(src, keep);

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
            var log = await QemuVms.WaitOk(M, upid);
            output.WriteLine(string.Join('\n', log));

            // Right away, before the guest on node2 touches its disk again: the mirrored volume equals the source's.
            var (rc, text) = await QemuImg("compare", "-U", keep, dst);
            Assert.True(rc == 0, $"qemu-img compare {keep} {dst}: exit {rc}: {text}");
            Assert.Contains("Images are identical", text);

            Assert.False(File.Exists(src), "source volume not freed");
            Assert.Contains(log, l => l.Contains("all 'mirror' jobs are ready"));
            Assert.Contains(log, l => l.Contains($"removed source volume 'local:{vmid}/vm-{vmid}-disk-0.qcow2'"));
            QemuVms.Downtime(log);
            Assert.Equal("TASK OK", log[^1]);
            var dstPid = QemuVms.AssertOneQemuOn(M, vmid, "node2");
            await QemuVms.AssertOwnedAndRunning(C, vmid, "node2", dstPid);
            var cfg = await C.Get($"/nodes/node2/qemu/{vmid}/config");
            Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", cfg.Data!["scsi0"]!.GetValue<string>());
            Assert.Contains($"\"filename\":\"{dst}\"", Reality.CommandLine(dstPid)); // node2's QEMU runs on node2's volume

            // The guest on node2 reads what it wrote on node1.
            Assert.Contains(marker, await GuestConsole.RunAsync(M.DataDir, "node2", vmid, "cat /mnt/disk/marker"));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
            File.Delete(keep);
        }
    }

    [Fact]
    public async Task Offline_migration_moves_the_local_volume_to_the_target_storage_and_frees_the_source()
    {
        const int vmid = 203;
        var keep = Path.Combine(M.DataDir, $"source-{vmid}.qcow2");
        try
        {
            await QemuVms.CreateAsync(C, "node1", vmid, 256, start: false, ("scsi0", "local:1"));
            var src = LocalVolume(M.DataDir, "node1", vmid);
            var dst = LocalVolume(M.DataDir, "node2", vmid);
            Assert.True(File.Exists(src));
            // Some data to carry (a fresh volume is all zeroes, which any copy would "preserve").
            var io = await QemuVms.Run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 4M", "-c", "write -P 0xa5 700M 1M", src);
            Assert.True(io.ExitCode == 0, io.Output);
            HardLink(src, keep);

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
            var log = await QemuVms.WaitOk(M, upid);
            output.WriteLine(string.Join('\n', log));

            Assert.False(File.Exists(src), "source volume not freed");
            Assert.True(File.Exists(dst), "no volume on the target storage");
            var (rc, json) = await QemuImg("info", "--output=json", "-U", dst);
            Assert.True(rc == 0, json);
            var info = JsonNode.Parse(json)!;
            Assert.Equal("qcow2", info["format"]!.GetValue<string>());
            Assert.Equal(1L << 30, info["virtual-size"]!.GetValue<long>());
            var (crc, text) = await QemuImg("compare", "-U", keep, dst);
            Assert.True(crc == 0, $"qemu-img compare: exit {crc}: {text}");

            var cfg = await C.Get($"/nodes/node2/qemu/{vmid}/config");
            Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", cfg.Data!["scsi0"]!.GetValue<string>());
            Assert.Null(cfg.Data["lock"]);
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
            Assert.Empty(Reality.QemuProcesses(M.DataDir, vmid));
            Assert.Equal("TASK OK", log[^1]);
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
            File.Delete(keep);
        }
    }

    [Fact]
    public async Task Vmgenid_of_the_config_is_the_one_the_running_qemu_reports_before_and_after_migrations()
    {
        const int vmid = 204;
        try
        {
            await QemuVms.StartGuestAsync(M, "node1", vmid, 256);
            var genid = await AssertVmGenIdMatches("node1", vmid);

            foreach (var (from, to) in new[] { ("node1", "node2"), ("node2", "node3") })
            {
                var upid = await C.Upid(C.Post($"/nodes/{from}/qemu/{vmid}/migrate", ("target", to), ("online", "1")));
                QemuVms.Downtime(await QemuVms.WaitOk(M, upid));
                QemuVms.AssertOneQemuOn(M, vmid, to);
                // A migration keeps the generation id: the guest has not been cloned or restored.
                Assert.Equal(genid, await AssertVmGenIdMatches(to, vmid));
            }
            var last = GuestConsole.MaxHeartbeat(M.DataDir, "node2", vmid, includeOld: true);
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node3", vmid, last + 3);
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    private async Task<string> AssertVmGenIdMatches(string node, int vmid)
    {
        var cfg = (await C.Get($"/nodes/{node}/qemu/{vmid}/config")).Data!;
        var cur = (await C.Get($"/nodes/{node}/qemu/{vmid}/status/current")).Data!;
        var configured = cfg["vmgenid"]?.GetValue<string>();
        var running = cur["running-vmgenid"]?.GetValue<string>();
        output.WriteLine($"{node}: config vmgenid {configured}, running-vmgenid {running}");
        Assert.True(Guid.TryParse(configured, out var g) && g != Guid.Empty, $"config vmgenid '{configured}'");
        Assert.NotNull(running);
        Assert.Equal(configured, running, ignoreCase: true);
        return configured!;
    }
}

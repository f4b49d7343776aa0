using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>A cloud-init VM on real QEMU: the NoCloud ISO (genisoimage) in its drive, on the source and after a live migration.</summary>
[Collection(Collections.Qemu)]
public sealed class QemuCloudInitTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHqemu test@am";

    private string Volume(string node, int vmid) =>
        Path.Combine(M.DataDir, "nodes", node, "local", "images", vmid.ToString(), $"vm-{vmid}-cloudinit.qcow2");

    /// <summary>A file of the ISO inside the qcow2 volume, read back with isoinfo (Rock Ridge names).</summary>
    private async Task<(string Label, string Content)> IsoFile(string volume, string file)
    {
        var raw = Path.Combine(M.DataDir, $"ci-{Guid.NewGuid():N}.raw");
        try
        {
            var (rc, text) = await QemuVms.Run("qemu-img", "convert", "-U", "-O", "raw", volume, raw);
            Assert.True(rc == 0, text);
            var (lrc, pvd) = await QemuVms.Run("isoinfo", "-d", "-i", raw);
            Assert.True(lrc == 0, pvd);
            var label = pvd.Split('\n').Single(l => l.StartsWith("Volume id:")).Split(':', 2)[1].Trim();
            var (xrc, content) = await QemuVms.Run("isoinfo", "-R", "-i", raw, "-x", "/" + file);
            Assert.True(xrc == 0, content);
            return (label, content);
        }
        finally
        {
            File.Delete(raw);
        }
    }

    [Fact]
    public async Task The_nocloud_image_has_the_hostname_and_keys_on_the_source_and_on_the_target_after_a_live_migration()
    {
        const int vmid = 232;
        try
        {
            var srcPid = await QemuVms.StartGuestAsync(M, "node1", vmid, 512, ("name", "ci-web"), ("ide2", "local:cloudinit"),
                ("ciuser", "admin"), ("sshkeys", Uri.EscapeDataString(Key)));
            // The guest sees the ISO: the qcow2 volume is opened as qcow2, not as raw bytes.
            Assert.Contains("{\"driver\":\"qcow2\",\"node-name\":\"drive-ide2\"", Reality.CommandLine(srcPid));
            var (label, user) = await IsoFile(Volume("node1", vmid), "user-data");
            Assert.Equal("cidata", label);
            Assert.Contains("hostname: ci-web\n", user);
            Assert.Contains($"  - {Key}\n", user);
            var meta = (await IsoFile(Volume("node1", vmid), "meta-data")).Content;
            Assert.Matches("^instance-id: [0-9a-f]{40}", meta);

            var upid = await M.Client.Upid(M.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
            output.WriteLine(string.Join('\n', await QemuVms.WaitOk(M, upid)));
            var dstPid = QemuVms.AssertOneQemuOn(M, vmid, "node2");
            Assert.Contains($"\"filename\":\"{Volume("node2", vmid)}\"", Reality.CommandLine(dstPid));
            Assert.False(File.Exists(Volume("node1", vmid)));
            var (label2, user2) = await IsoFile(Volume("node2", vmid), "user-data");
            Assert.Equal("cidata", label2);
            Assert.Equal(user, user2);
            Assert.Equal(meta, (await IsoFile(Volume("node2", vmid), "meta-data")).Content);
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }
    [Fact]
    public async Task Put_cloudinit_rewrites_a_running_vms_image_with_the_new_user_and_address()
    {
        const int vmid = 233;
        try
        {
            await QemuVms.CreateAsync(M.Client, "node1", vmid, 256, true, ("name", "ci-put"), ("ide2", "local:cloudinit"),
                ("ciuser", "admin"), ("ipconfig0", "ip=192.0.2.10/24,gw=192.0.2.1"));
            var pid = Reality.QemuPid(M.DataDir, "node1", vmid);
            Assert.Contains("user: admin\n", (await IsoFile(Volume("node1", vmid), "user-data")).Content);

            var r = await M.Client.Put($"/nodes/node1/qemu/{vmid}/config", ("ciuser", "ops"), ("ipconfig0", "ip=192.0.2.20/24,gw=192.0.2.1"));
            Assert.True(r.Status == System.Net.HttpStatusCode.OK, r.ToString());
            var pending = (await M.Client.Get($"/nodes/node1/qemu/{vmid}/cloudinit")).Data!.AsArray();
            Assert.Contains(pending, x => x!["key"]!.GetValue<string>() == "ciuser" && x["pending"]?.GetValue<string>() == "ops");
            Assert.Contains("user: admin\n", (await IsoFile(Volume("node1", vmid), "user-data")).Content);

            r = await M.Client.Put($"/nodes/node1/qemu/{vmid}/cloudinit");
            Assert.True(r.Status == System.Net.HttpStatusCode.OK, r.ToString());
            var (label, user) = await IsoFile(Volume("node1", vmid), "user-data");
            Assert.Equal("cidata", label);
            Assert.Contains("user: ops\n", user);
            var network = (await IsoFile(Volume("node1", vmid), "network-config")).Content;
            Assert.Contains("address: '192.0.2.20'\n", network);
            // The dump is the file's text (isoinfo's output comes back without its last newline).
            Assert.Equal((await M.Client.Get($"/nodes/node1/qemu/{vmid}/cloudinit/dump", ("type", "network"))).Data!.GetValue<string>().TrimEnd('\n'),
                network.TrimEnd('\n'));
            Assert.DoesNotContain((await M.Client.Get($"/nodes/node1/qemu/{vmid}/cloudinit")).Data!.AsArray(), x => x!["pending"] is not null);
            // The running QEMU was left alone: the guest sees the new image at its next boot.
            Assert.Equal(pid, Reality.QemuPid(M.DataDir, "node1", vmid));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }
}

using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// UEFI (OVMF with efidisk0 as the pflash vars) and TPM (swtpm with tpmstate0) VMs on real QEMU, migrated through
/// the API with their local disks. The guest reads and writes a test EFI variable through efivarfs (am-efivar).
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuUefiTpmTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;
    private PveClient C => f.Member.Client;

    // OVMF under TCG boots slower than SeaBIOS: generous, bounded waits.
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(240);

    private string ImagePath(string node, int vmid, string volid) =>
        Path.Combine(M.DataDir, "nodes", node, "local", "images", vmid.ToString(), volid.Split(',')[0].Split('/')[^1]);

    [Fact]
    public async Task Uefi_vm_keeps_its_efi_variable_through_a_live_and_an_offline_migration()
    {
        const int vmid = 261;
        try
        {
            await QemuVms.CreateAsync(C, "node1", vmid, 512, start: true, ("bios", "ovmf"), ("efidisk0", "local:1,efitype=4m"));
            // Booted through OVMF: the guest sees UEFI and the (fresh, template-initialized) variable store.
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "efivar none", Boot);
            // The boot's disk probe prints its line in the background: wait for it, so it never lands in a command's output.
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "disk none", Boot);
            var value = $"am{Guid.NewGuid():N}"[..18];
            Assert.Equal([$"efivar {value}"], await GuestConsole.RunAsync(M.DataDir, "node1", vmid, $"am-efivar {value}"));
            var efi = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["efidisk0"]!.GetValue<string>();

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
            var log = await QemuVms.WaitOk(M, upid, TimeSpan.FromSeconds(300));
            output.WriteLine(string.Join('\n', log));
            Assert.Contains(log, l => l.EndsWith("drive-efidisk0: Completed successfully."));
            QemuVms.AssertOneQemuOn(M, vmid, "node2");
            Assert.True(File.Exists(ImagePath("node2", vmid, efi)));
            Assert.False(File.Exists(ImagePath("node1", vmid, efi)));
            // The running guest (not rebooted) still reads its variable from the firmware on node2.
            Assert.Equal([$"efivar {value}"], await GuestConsole.RunAsync(M.DataDir, "node2", vmid, "am-efivar"));

            // Offline: stop, move to node3, boot there; the variable comes from the moved efidisk0.
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/status/stop")), QemuVms.TaskTimeout));
            await QemuVms.WaitOk(M, await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/migrate", ("target", "node3"))));
            Assert.True(File.Exists(ImagePath("node3", vmid, efi)));
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node3/qemu/{vmid}/status/start")), QemuVms.TaskTimeout));
            await GuestConsole.WaitForLineAsync(M.DataDir, "node3", vmid, $"efivar {value}", Boot);
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    /// <summary>Live swtpm processes of the VM, by the node whose run dir their pidfile is in.</summary>
    private List<string> SwtpmNodes(int vmid) =>
        QemuEnv.Nodes.Where(n => Reality.Processes().Any(p => p.Argv.Length > 0 && Path.GetFileName(p.Argv[0]) == "swtpm"
            && p.Argv.Contains("file=" + Path.Combine(Reality.QemuDir(M.DataDir, n, vmid), "swtpm.pid")))).ToList();

    [Fact]
    public async Task Tpm_vm_runs_a_swtpm_that_moves_with_its_state_and_volume_in_a_live_migration()
    {
        const int vmid = 262;
        try
        {
            await QemuVms.StartGuestAsync(M, "node1", vmid, 512, ("tpmstate0", "local:1,version=v2.0"));
            var tpm = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["tpmstate0"]!.GetValue<string>();
            Assert.Equal(["node1"], SwtpmNodes(vmid));
            // The guest talks to a TPM 2.0: each sysfs PCR read is a live command to swtpm.
            Assert.Equal(["2"], await GuestConsole.RunAsync(M.DataDir, "node1", vmid, "cat /sys/class/tpm/tpm0/tpm_version_major"));
            var pcr = await GuestConsole.RunAsync(M.DataDir, "node1", vmid, "cat /sys/class/tpm/tpm0/pcr-sha256/0");
            Assert.Matches("^[0-9A-F]{64}$", Assert.Single(pcr));

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
            var log = await QemuVms.WaitOk(M, upid, TimeSpan.FromSeconds(300));
            output.WriteLine(string.Join('\n', log));
            Assert.Contains(log, l => l.EndsWith($"found generated disk '{tpm.Split(',')[0]}' (in current VM config)"));

            QemuVms.AssertOneQemuOn(M, vmid, "node2");
            await PveClient.Eventually(() => Task.FromResult(SwtpmNodes(vmid) is ["node2"]), TimeSpan.FromSeconds(15), "swtpm on node2 only");
            Assert.True(File.Exists(ImagePath("node2", vmid, tpm)));
            Assert.False(File.Exists(ImagePath("node1", vmid, tpm)));
            // The migrated TPM answers the running guest with the same PCR (its state came through QEMU's stream).
            Assert.Equal(["2"], await GuestConsole.RunAsync(M.DataDir, "node2", vmid, "cat /sys/class/tpm/tpm0/tpm_version_major"));
            Assert.Equal(pcr, await GuestConsole.RunAsync(M.DataDir, "node2", vmid, "cat /sys/class/tpm/tpm0/pcr-sha256/0"));

            // swtpm is stopped with the VM.
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/status/stop")), QemuVms.TaskTimeout));
            await PveClient.Eventually(() => Task.FromResult(SwtpmNodes(vmid).Count == 0), TimeSpan.FromSeconds(15), "no swtpm left");
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }
}

using ActorMigration.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Api.Tests.Qemu;

/// <summary>
/// UEFI (OVMF with efidisk0 as the pflash vars) and TPM (swtpm with tpmstate0) VMs on real QEMU, migrated through
/// the API with their local disks. The guest reads and writes a test EFI variable through efivarfs (am-efivar).
/// </summary>
[Collection("qemu")]
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
            await GuestSerial.WaitForLineAsync(M.DataDir, "node1", vmid, "efivar none", Boot);
            var value = $"am{Guid.NewGuid():N}"[..18];
            Assert.Equal([$"efivar {value}"], await GuestSerial.RunAsync(M.DataDir, "node1", vmid, $"am-efivar {value}"));
            var efi = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["efidisk0"]!.GetValue<string>();

            var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
            var log = await QemuVms.WaitOk(M, upid, TimeSpan.FromSeconds(300));
            output.WriteLine(string.Join('\n', log));
            Assert.Contains(log, l => l.EndsWith("drive-efidisk0: Completed successfully."));
            QemuVms.AssertOneQemuOn(M, vmid, "node2");
            Assert.True(File.Exists(ImagePath("node2", vmid, efi)));
            Assert.False(File.Exists(ImagePath("node1", vmid, efi)));
            // The running guest (not rebooted) still reads its variable from the firmware on node2.
            Assert.Equal([$"efivar {value}"], await GuestSerial.RunAsync(M.DataDir, "node2", vmid, "am-efivar"));

            // Offline: stop, move to node3, boot there; the variable comes from the moved efidisk0.
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/status/stop")), QemuVms.TaskTimeout));
            await QemuVms.WaitOk(M, await C.Upid(C.Post($"/nodes/node2/qemu/{vmid}/migrate", ("target", "node3"))));
            Assert.True(File.Exists(ImagePath("node3", vmid, efi)));
            Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node3/qemu/{vmid}/status/start")), QemuVms.TaskTimeout));
            await GuestSerial.WaitForLineAsync(M.DataDir, "node3", vmid, $"efivar {value}", Boot);
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }
}

using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// VMs that boot their own disks, as on Proxmox: no test kernel, no <c>args</c>. SeaBIOS boots the SYSLINUX disk in the
/// order of <c>boot: order=</c> (bootindex 100, 101, ...); OVMF boots the EFI system partition of its disk and keeps
/// its variables in efidisk0 across a restart.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuDiskBootTests(QemuDiskBootFixture f, ITestOutputHelper output) : IClassFixture<QemuDiskBootFixture>
{
    private MemberProcess M => f.Member;

    /// <summary>Bounded wait for a boot through firmware, bootloader and kernel under TCG on a busy machine.</summary>
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(240);

    /// <summary>QEMU's arguments, one per element.</summary>
    private static string[] Argv(int pid) => File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The -device argument with <c>id=<paramref name="id"/></c>.</summary>
    private static string Device(string[] argv, string id)
    {
        var devices = argv.Skip(1).Where((_, i) => argv[i] == "-device").ToList();
        return Assert.Single(devices, a => a.Split(',').Contains("id=" + id));
    }

    [Fact]
    public async Task Vm_with_only_a_bootable_disk_boots_it_in_the_boot_order_without_a_kernel()
    {
        const int vmid = 271;
        try
        {
            await QemuVms.CreateAsync(M.Client, "node1", vmid, 256, start: true,
                ("scsi0", $"local:0,import-from={QemuDiskBootFixture.BiosImport}"), ("scsi1", "local:1"),
                ("ide2", "none,media=cdrom"), ("boot", "order=scsi0;ide2;net0"));
            var pid = QemuVms.AssertOneQemuOn(M, vmid, "node1");
            // The guest came from the disk: SYSLINUX loaded its kernel; it leaves its boot disk alone and formats the data disk.
            await GuestConsole.WaitForSettledAsync(M.DataDir, "node1", vmid, Boot);
            var log = await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "disk mounted /dev/sdb", Boot);
            output.WriteLine(GuestConsole.Tail(log));
            Assert.DoesNotContain(GuestConsole.Lines(log), l => l.Contains("/dev/sda", StringComparison.Ordinal) && !l.StartsWith("disk boot"));

            var argv = Argv(pid);
            output.WriteLine(string.Join(' ', argv));
            Assert.DoesNotContain("-kernel", argv);
            Assert.DoesNotContain("-initrd", argv);
            Assert.Contains(",bootindex=100,", Device(argv, "scsi0") + ",");
            Assert.Contains(",bootindex=101,", Device(argv, "ide2") + ",");
            Assert.Contains(",bootindex=102,", Device(argv, "net0") + ",");
            Assert.DoesNotContain("bootindex", Device(argv, "scsi1"));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }

    [Fact]
    public async Task Ovmf_vm_boots_its_efi_disk_and_keeps_a_changed_efi_variable_across_a_restart()
    {
        const int vmid = 272;
        try
        {
            await QemuVms.CreateAsync(M.Client, "node1", vmid, 256, start: true, ("bios", "ovmf"), ("efidisk0", "local:1,efitype=4m"),
                ("scsi0", $"local:0,import-from={QemuDiskBootFixture.EfiImport}"));
            var pid = QemuVms.AssertOneQemuOn(M, vmid, "node1");
            Assert.DoesNotContain("-kernel", Argv(pid));
            // UEFI boot from the ESP: the guest sees the fresh (template) variable store.
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "efivar none", Boot);
            await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, "disk none", Boot);
            var value = $"am{Guid.NewGuid():N}"[..18];
            Assert.Equal([$"efivar {value}"], await GuestConsole.RunAsync(M.DataDir, "node1", vmid, $"am-efivar {value}"));

            Assert.Equal("OK", await M.Client.Wait(await M.Client.Upid(M.Client.Post($"/nodes/node1/qemu/{vmid}/status/stop")), QemuVms.TaskTimeout));
            Assert.Equal("OK", await M.Client.Wait(await M.Client.Upid(M.Client.Post($"/nodes/node1/qemu/{vmid}/status/start")), QemuVms.TaskTimeout));
            // A new boot (new serial log) through OVMF and the disk again; the variable comes from efidisk0.
            var log = await GuestConsole.WaitForLineAsync(M.DataDir, "node1", vmid, $"efivar {value}", Boot);
            output.WriteLine(GuestConsole.Tail(log));
            Assert.DoesNotContain(GuestConsole.Lines(log), l => l == "efivar none");
            Assert.DoesNotContain("-kernel", Argv(QemuVms.AssertOneQemuOn(M, vmid, "node1")));
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }
}

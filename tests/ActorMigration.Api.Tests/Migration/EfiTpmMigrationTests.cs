using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Migration;

/// <summary>UEFI and TPM VMs (efidisk0, tpmstate0) on local storage migrate as in Proxmox (simulated driver).</summary>
public sealed class EfiTpmMigrationTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private string ImagePath(string node, int vmid, string name) =>
        Path.Combine(f.Server.DataDir, "nodes", node, "local", "images", vmid.ToString(), name);

    private async Task<int> CreateUefiTpmVm(bool start)
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"),
            ("bios", "ovmf"), ("scsi0", "local:1"), ("efidisk0", "local:1,efitype=4m"), ("tpmstate0", "local:1,version=v2.0")))));
        if (start) Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        return vmid;
    }

    [Fact]
    public async Task Live_migration_with_local_disks_mirrors_efidisk0_and_copies_tpmstate0()
    {
        var vmid = await CreateUefiTpmVm(start: true);
        var before = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        var efi = before["efidisk0"]!.GetValue<string>();
        var tpm = before["tpmstate0"]!.GetValue<string>();

        var upid = await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1"), ("with-local-disks", "1")));
        Assert.Equal("OK", await C.Wait(upid));
        var log = await C.Log(upid);

        var efiVol = efi.Split(',')[0];
        var tpmVol = tpm.Split(',')[0];
        // Proxmox: the TPM state is copied offline first (then QEMU/swtpm update it); the EFI vars disk is mirrored.
        Assert.Contains(log, l => l.EndsWith($"found generated disk '{tpmVol}' (in current VM config)"));
        Assert.Contains(log, l => l.EndsWith($"found local disk '{efiVol}' (attached)"));
        Assert.Contains(log, l => l.Contains("drive-efidisk0:") || l.Contains("efidisk0"));
        Assert.Contains(log, l => l.EndsWith("drive mirror is starting for drive-efidisk0"));
        Assert.Contains(log, l => l.EndsWith("drive-efidisk0: Completed successfully."));
        Assert.DoesNotContain(log, l => l.Contains("drive-tpmstate0"));

        var after = (await C.Get($"/nodes/node2/qemu/{vmid}/config")).Data!;
        Assert.Equal(efi, after["efidisk0"]!.GetValue<string>());
        Assert.Equal(tpm, after["tpmstate0"]!.GetValue<string>());
        foreach (var vol in new[] { efiVol, tpmVol })
        {
            var name = vol.Split('/')[^1];
            Assert.True(File.Exists(ImagePath("node2", vmid, name)), $"{vol} on the target");
            Assert.False(File.Exists(ImagePath("node1", vmid, name)), $"{vol} gone from the source");
        }
        var current = await C.Get($"/nodes/node2/qemu/{vmid}/status/current");
        Assert.Equal("running", current.Data!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Migrate_precondition_marks_the_tpm_state_volume()
    {
        var vmid = await CreateUefiTpmVm(start: false);
        var disks = (await C.Get($"/nodes/node1/qemu/{vmid}/migrate")).Data!["local_disks"]!.AsArray();
        var byDrive = disks.ToDictionary(d => d!["drivename"]!.GetValue<string>(), d => d!["is_tpmstate"]!.GetValue<int>());
        Assert.Equal(1, byDrive["tpmstate0"]);
        Assert.Equal(0, byDrive["efidisk0"]);
        Assert.Equal(0, byDrive["scsi0"]);
    }

    [Fact]
    public async Task Offline_migration_moves_efidisk0_and_tpmstate0()
    {
        var vmid = await CreateUefiTpmVm(start: false);
        var before = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        // As Proxmox creates them: the TPM state raw and 4 MiB, the EFI vars disk as large as the 4m template.
        var tpm = before["tpmstate0"]!.GetValue<string>().Split(',').Order().ToArray();
        Assert.Matches($@"^local:{vmid}/vm-{vmid}-disk-\d\.raw$", tpm[0]);
        Assert.Equal(["size=4M", "version=v2.0"], tpm[1..]);
        var efi = before["efidisk0"]!.GetValue<string>().Split(',').Skip(1).Order().ToArray();
        Assert.Equal(["efitype=4m", "size=528K"], efi);
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")))));
        var after = (await C.Get($"/nodes/node2/qemu/{vmid}/config")).Data!;
        foreach (var key in new[] { "efidisk0", "tpmstate0" })
        {
            var name = before[key]!.GetValue<string>().Split(',')[0].Split('/')[^1];
            Assert.Equal(before[key]!.GetValue<string>(), after[key]!.GetValue<string>());
            Assert.True(File.Exists(ImagePath("node2", vmid, name)), $"{key} on the target");
            Assert.False(File.Exists(ImagePath("node1", vmid, name)), $"{key} gone from the source");
        }
    }
}

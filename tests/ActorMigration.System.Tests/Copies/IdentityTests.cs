
namespace ActorMigration.SystemTests.Copies;

/// <summary>A copy is a new machine: new MACs, smbios uuid and generation id; a free vmid.</summary>
[Collection(Collections.Qemu)]
public sealed class IdentityTests(QemuMemberFixture f)
{
    private PveClient C => f.Client;

    [Theory]
    [InlineData("1")]     // full clone of a VM
    [InlineData("0")]     // linked clone of a template
    public async Task Clone_gets_new_macs_on_every_nic_a_new_smbios_uuid_and_a_new_vmgenid(string full)
    {
        var src = f.NextVmId();
        await C.CreateVm(src, ("scsi0", "local:1"), ("net0", "virtio=AA:BB:CC:00:11:22,bridge=vmbr0"),
            ("net1", "e1000,bridge=vmbr0,tag=5"), ("net3", "virtio=02:00:00:00:00:03,bridge=vmbr1"));
        if (full == "0") await C.Template(src);
        var dst = f.NextVmId();
        await C.Clone(src, dst, ("full", full));

        var s = await C.Config(src);
        var d = await C.Config(dst);
        foreach (var net in new[] { "net0", "net1", "net3" })
        {
            var mac = Pve.Mac(d.Str(net));
            Assert.NotNull(mac);
            Assert.StartsWith("BC:24:11:", mac);
            Assert.NotEqual(Pve.Mac(s.Str(net)), mac);
            // Everything else of the NIC stays.
            Assert.Equal(s.Str(net)!.Split(',').Skip(1), d.Str(net)!.Split(',').Skip(1));
            Assert.Equal(s.Str(net)!.Split('=')[0], d.Str(net)!.Split('=')[0]);
        }
        Assert.Equal(3, new[] { "net0", "net1", "net3" }.Select(n => Pve.Mac(d.Str(n))).Distinct().Count());
        Assert.NotNull(Pve.SmbiosUuid(d));
        Assert.NotEqual(Pve.SmbiosUuid(s), Pve.SmbiosUuid(d));
        Assert.True(Guid.TryParse(d.Str("vmgenid"), out _));
        Assert.NotEqual(s.Str("vmgenid"), d.Str("vmgenid"));
    }

    [Fact]
    public async Task Clone_keeps_a_disabled_vmgenid_disabled()
    {
        var root = await f.Member.RootSessionAsync();
        var src = f.NextVmId();
        await root.CreateVm(src, ("scsi0", "local:1"), ("vmgenid", "0"));
        Assert.Equal("0", (await root.Config(src)).Str("vmgenid"));
        var dst = f.NextVmId();
        await root.Clone(src, dst, ("full", "1"));
        Assert.Equal("0", (await root.Config(dst)).Str("vmgenid"));
    }

    [Fact]
    public async Task Newid_must_be_free_and_nextid_gives_a_free_one()
    {
        var src = f.NextVmId();
        var taken = f.NextVmId();
        await C.CreateVm(src, ("scsi0", "local:1"));
        await C.CreateVm(taken, ("scsi0", "local:1"));
        var takenFiles = QemuHost.ImageFilesOf(f.DataDir, taken);

        Assert.Equal($"unable to create VM {taken}: config file already exists",
            await C.RefusedNow(C.Post($"/nodes/node1/qemu/{src}/clone", ("newid", taken.ToString()), ("full", "1"))));
        Assert.Equal(takenFiles, QemuHost.ImageFilesOf(f.DataDir, taken));

        var next = int.Parse((await C.Get("/cluster/nextid")).Data!.ToString());
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{next}/config")).Status);
        Assert.Contains($"VM {taken} already exists", (await C.Get("/cluster/nextid", ("vmid", taken.ToString()))).Body);
        await C.Clone(src, next, ("full", "1"));
        Assert.NotEqual(next, int.Parse((await C.Get("/cluster/nextid")).Data!.ToString()));
        await C.Destroy(next);
    }
}

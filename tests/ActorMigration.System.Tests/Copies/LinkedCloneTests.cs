
namespace ActorMigration.SystemTests.Copies;

/// <summary>Linked clones: qcow2 overlays on a template's base volume.</summary>
[Collection(Collections.Qemu)]
public sealed class LinkedCloneTests(QemuMemberFixture f)
{
    private const long MiB = 1 << 20;
    private PveClient C => f.Client;

    private async Task<int> TemplateVm(string size = "1", string storage = "local")
    {
        var vmid = f.NextVmId();
        await C.CreateVm(vmid, ("scsi0", $"{storage}:{size}"), ("net0", "virtio"));
        await QemuHost.WritePattern(f.PathOf((await C.Config(vmid)).Volid("scsi0")), "qcow2", 0, (int)MiB, 0x3c);
        await C.Template(vmid);
        return vmid;
    }

    [Fact]
    public async Task Clone_of_a_template_is_linked_by_default_a_qcow2_overlay_on_the_base_volume()
    {
        var tpl = await TemplateVm();
        var dst = f.NextVmId();
        var log = await C.Clone(tpl, dst, ("name", "linked"));

        var baseVolid = $"local:{tpl}/base-{tpl}-disk-0.qcow2";
        var d = await C.Config(dst);
        Assert.Equal($"{baseVolid}/{dst}/vm-{dst}-disk-0.qcow2", d.Volid("scsi0"));
        Assert.Contains(log, l => l.Contains($"create linked clone of drive scsi0 ({baseVolid})"));
        var overlay = Path.Combine(f.DataDir, "nodes", "node1", "local", "images", dst.ToString(), $"vm-{dst}-disk-0.qcow2");
        Assert.Equal(overlay, f.PathOf(d.Volid("scsi0")));
        var info = await QemuHost.Info(overlay);
        Assert.Equal("qcow2", info["format"]!.ToString());
        Assert.Equal($"../{tpl}/base-{tpl}-disk-0.qcow2", info["backing-filename"]!.ToString());
        Assert.Equal(f.PathOf(baseVolid), Path.GetFullPath(info["full-backing-filename"]!.ToString()));
        // The clone sees the template's data through the backing chain; its writes stay in the overlay.
        Assert.True(await QemuHost.HasPattern(overlay, "qcow2", 0, (int)MiB, 0x3c));
        await QemuHost.WritePattern(overlay, "qcow2", 0, (int)MiB, 0x99);
        Assert.True(await QemuHost.HasPattern(f.PathOf(baseVolid), "qcow2", 0, (int)MiB, 0x3c));
    }

    [Fact]
    public async Task Linked_clone_costs_the_same_for_1_GiB_and_64_GiB_bases()
    {
        var sizes = new Dictionary<int, long>();
        foreach (var gib in new[] { 1, 64 })
        {
            var tpl = await TemplateVm(gib.ToString());
            var dst = f.NextVmId();
            await C.Clone(tpl, dst);
            var overlay = f.PathOf((await C.Config(dst)).Volid("scsi0"));
            var info = await QemuHost.Info(overlay);
            Assert.Equal((long)gib << 30, info["virtual-size"]!.GetValue<long>());
            sizes[gib] = new FileInfo(overlay).Length;
        }
        // An overlay only holds qcow2 metadata: tiny, and not growing with the virtual size.
        Assert.All(sizes.Values, s => Assert.True(s < 1 * MiB, $"overlay of {s} bytes"));
        Assert.True(sizes[64] <= sizes[1] + 64 * 1024, $"1 GiB: {sizes[1]} bytes, 64 GiB: {sizes[64]} bytes");
    }

    [Fact]
    public async Task Linked_clone_refusals()
    {
        var vm = f.NextVmId();
        await C.CreateVm(vm, ("scsi0", "local:1"));
        var notTemplate = await C.RefusedNow(C.Post($"/nodes/node1/qemu/{vm}/clone", ("newid", f.NextVmId().ToString()), ("full", "0")));
        Assert.Equal($"Linked clone feature is not supported for 'local:{vm}/vm-{vm}-disk-0.qcow2' (scsi0)", notTemplate);

        var tpl = await TemplateVm();
        var newid = f.NextVmId();
        var storage = await C.RefusedNow(C.Post($"/nodes/node1/qemu/{tpl}/clone", ("newid", newid.ToString()), ("storage", "shared")));
        Assert.Equal("parameter 'storage' not allowed for linked clones", storage);
        var format = await C.RefusedNow(C.Post($"/nodes/node1/qemu/{tpl}/clone", ("newid", newid.ToString()), ("format", "raw")));
        Assert.Equal("parameter 'format' not allowed for linked clones", format);
        var target = await C.RefusedNow(C.Post($"/nodes/node1/qemu/{tpl}/clone", ("newid", newid.ToString()), ("target", "node2")));
        Assert.Equal("can't clone VM to node 'node2' (VM uses local storage)", target);
        // A refusal changes nothing: no VM, no volume.
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{newid}/config")).Status);
        Assert.Empty(QemuHost.ImageFilesOf(f.DataDir, newid));
    }

    [Fact]
    public async Task Linked_clone_to_another_node_is_allowed_on_shared_storage()
    {
        var tpl = await TemplateVm(storage: "shared");
        var dst = f.NextVmId();
        await C.Task(C.Post($"/nodes/node1/qemu/{tpl}/clone", ("newid", dst.ToString()), ("target", "node2")));
        var d = await C.Config(dst, "node2");
        Assert.Equal($"shared:{tpl}/base-{tpl}-disk-0.qcow2/{dst}/vm-{dst}-disk-0.qcow2", d.Volid("scsi0"));
        var info = await QemuHost.Info(f.PathOf(d.Volid("scsi0"), "node2"));
        Assert.Equal($"../{tpl}/base-{tpl}-disk-0.qcow2", info["backing-filename"]!.ToString());
    }

    [Fact]
    public async Task A_linked_clone_turned_into_a_template_gets_a_read_only_base_volume_in_the_chain()
    {
        var tpl = await TemplateVm();
        var mid = f.NextVmId();
        await C.Clone(tpl, mid);
        await C.Template(mid);

        // As Proxmox's create_base: vm-<mid>-disk-0 becomes base-<mid>-disk-0, still on top of the first base.
        var baseOfMid = $"local:{tpl}/base-{tpl}-disk-0.qcow2/{mid}/base-{mid}-disk-0.qcow2";
        var m = await C.Config(mid);
        Assert.Equal(baseOfMid, m.Volid("scsi0"));
        var midFile = f.PathOf(baseOfMid);
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(midFile) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        Assert.Equal($"../{tpl}/base-{tpl}-disk-0.qcow2", (await QemuHost.Info(midFile))["backing-filename"]!.ToString());

        var leaf = f.NextVmId();
        await C.Clone(mid, leaf);
        var l = await C.Config(leaf);
        Assert.Equal($"local:{mid}/base-{mid}-disk-0.qcow2/{leaf}/vm-{leaf}-disk-0.qcow2", l.Volid("scsi0"));
        var leafInfo = await QemuHost.Info(f.PathOf(l.Volid("scsi0")));
        Assert.Equal($"../{mid}/base-{mid}-disk-0.qcow2", leafInfo["backing-filename"]!.ToString());
        Assert.True(await QemuHost.HasPattern(f.PathOf(l.Volid("scsi0")), "qcow2", 0, (int)MiB, 0x3c));
        Assert.Contains("linked clone", await C.Refused(C.Delete($"/nodes/node1/qemu/{mid}")));
    }

    [Fact]
    public async Task Template_with_linked_clones_cannot_be_destroyed_until_they_are_gone()
    {
        var tpl = await TemplateVm();
        var (c1, c2) = (f.NextVmId(), f.NextVmId());
        await C.Clone(tpl, c1);
        await C.Clone(tpl, c2);
        var baseFile = f.PathOf($"local:{tpl}/base-{tpl}-disk-0.qcow2");

        var refused = await C.Refused(C.Delete($"/nodes/node1/qemu/{tpl}"));
        Assert.Contains("linked clone", refused);
        Assert.True(File.Exists(baseFile));

        await C.Destroy(c1);
        Assert.Contains("linked clone", await C.Refused(C.Delete($"/nodes/node1/qemu/{tpl}")));
        await C.Destroy(c2);
        Assert.Empty(QemuHost.ImageFilesOf(f.DataDir, c1));
        Assert.Empty(QemuHost.ImageFilesOf(f.DataDir, c2));

        await C.Destroy(tpl);
        Assert.False(File.Exists(baseFile));
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{tpl}/config")).Status);
    }
}

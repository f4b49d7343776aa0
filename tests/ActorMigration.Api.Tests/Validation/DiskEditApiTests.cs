using System.Net;
using System.Text.Json.Nodes;

namespace ActorMigration.Api.Tests.Validation;

/// <summary>New disks through a config edit and PUT …/resize on the simulated driver: what works, and each refusal changing nothing.</summary>
[Collection(ValidationCollection.Name)]
public sealed class DiskEditApiTests(ValidationFixture f)
{
    private static readonly string Resize = $"/nodes/node1/qemu/{ValidationFixture.Vm}/resize";
    private static readonly string Cfg = $"/nodes/node1/qemu/{ValidationFixture.Vm}/config";

    private WireClient C => f.Api;

    private async Task<JsonNode> Config(int vmid) => (await f.Client.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;

    /// <summary>The simulated volume's virtual size (its sidecar, as qemu-img info tells it).</summary>
    private long VirtualSize(int vmid, string name)
    {
        var meta = Path.Combine(f.Server.DataDir, "nodes", "node1", "local", ".sim", "images", vmid.ToString(), name + ".json");
        return JsonNode.Parse(File.ReadAllText(meta))!["virtualSize"]!.GetValue<long>();
    }

    private bool VolumeFile(int vmid, string name) =>
        File.Exists(Path.Combine(f.Server.DataDir, "nodes", "node1", "local", "images", vmid.ToString(), name));

    [Theory]
    [InlineData("scsi5", "+1G", null, "disk 'scsi5' does not exist")]
    [InlineData("scsi0", "512M", null, "shrinking disks is not supported")]
    [InlineData("scsi0", "+1G", "0000", "checksum mismatch (file change by other user?)")]
    public async Task Resize_refusals_use_proxmoxs_texts(string disk, string size, string? digest, string message)
    {
        (string, string)[] form = digest is null ? [("disk", disk), ("size", size)] : [("disk", disk), ("size", size), ("digest", digest)];
        var r = await f.Unchanged(() => C.Put(Resize, form));
        Expect.Refused(r, message);
    }

    [Theory]
    [InlineData("1X")]
    [InlineData("-1G")]
    [InlineData("+G")]
    [InlineData("1g")]
    public async Task A_malformed_size_is_a_parameter_error(string size)
    {
        var r = await f.Unchanged(() => C.Put(Resize, ("disk", "scsi0"), ("size", size)));
        Expect.ParamError(r, "size", "value does not match the regex pattern");
    }

    [Fact]
    public async Task An_unknown_disk_name_or_a_missing_size_is_a_parameter_error()
    {
        var bad = await f.Unchanged(() => C.Put(Resize, ("disk", "unused0"), ("size", "+1G")));
        Expect.ParamErrorStartsWith(bad, "disk", "value 'unused0' does not have a value in the enumeration 'ide0, ide1, ide2, ide3, sata0");
        var missing = await f.Unchanged(() => C.Put(Resize, ("disk", "scsi0")));
        Expect.ParamError(missing, "size", "property is missing and it is not optional");
    }

    /// <summary>Resize and template take the same disk names (Drive::valid_drive_names); scsi31 is past the bus.</summary>
    [Theory]
    [InlineData("resize")]
    [InlineData("template")]
    public async Task A_disk_past_its_bus_is_a_parameter_error_for_resize_and_template(string call)
    {
        var vmid = await f.ScratchVm();
        var r = await f.Unchanged(() => call == "resize"
            ? C.Put($"/nodes/node1/qemu/{vmid}/resize", ("disk", "scsi31"), ("size", "+1G"))
            : C.Post($"/nodes/node1/qemu/{vmid}/template", ("disk", "scsi31")));
        Expect.ParamErrorStartsWith(r, "disk", "value 'scsi31' does not have a value in the enumeration 'ide0, ide1, ide2, ide3, sata0");
    }

    [Fact]
    public async Task A_cdrom_cannot_be_resized()
    {
        var vmid = await f.ScratchVm(("ide2", "none,media=cdrom"));
        var r = await f.Unchanged(() => C.Put($"/nodes/node1/qemu/{vmid}/resize", ("disk", "ide2"), ("size", "+1G")));
        Expect.Refused(r, "you can't resize a cdrom");
    }

    [Fact]
    public async Task A_new_disk_with_a_stale_digest_allocates_nothing()
    {
        var r = await f.Unchanged(() => C.Put(Cfg, ("scsi1", "local:1"), ("digest", "0000")));
        Expect.Refused(r, "checksum mismatch (file change by other user?)");
        var zero = await f.Unchanged(() => C.Put(Cfg, ("scsi1", "local:0")));
        Expect.ParamError(zero, "scsi1", "size must be greater than 0");
    }

    [Fact]
    public async Task Config_edits_allocate_new_disks_and_resize_grows_them()
    {
        var vmid = await f.ScratchVm();
        // PUT is synchronous: the disk exists when it answers.
        var put = await f.Client.Put($"/nodes/node1/qemu/{vmid}/config", ("scsi1", "local:1,cache=writeback"));
        Assert.True(put.Status == HttpStatusCode.OK, put.ToString());
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,cache=writeback,size=1G", (await Config(vmid))["scsi1"]!.GetValue<string>());
        Assert.Equal(1L << 30, VirtualSize(vmid, $"vm-{vmid}-disk-0.qcow2"));

        // POST is a qmconfig task; replacing the disk keeps the old one as unused0.
        var upid = await f.Client.Upid(f.Client.Post($"/nodes/node1/qemu/{vmid}/config", ("scsi1", "local:2,format=raw")));
        Assert.Contains(":qmconfig:", upid);
        Assert.Equal("OK", await f.Client.Wait(upid));
        Assert.Contains($"scsi1: successfully created disk 'local:{vmid}/vm-{vmid}-disk-1.raw,size=2G'", string.Join("\n", await f.Client.Log(upid)));
        var cfg = await Config(vmid);
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.raw,size=2G", cfg["scsi1"]!.GetValue<string>());
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2", cfg["unused0"]!.GetValue<string>());

        var resize = await f.Client.Upid(f.Client.Put($"/nodes/node1/qemu/{vmid}/resize", ("disk", "scsi1"), ("size", "+1G")));
        Assert.Contains(":resize:", resize);
        Assert.Equal("OK", await f.Client.Wait(resize));
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-1.raw,size=3G", (await Config(vmid))["scsi1"]!.GetValue<string>());
        Assert.Equal(3L << 30, VirtualSize(vmid, $"vm-{vmid}-disk-1.raw"));
        var raw = Path.Combine(f.Server.DataDir, "nodes", "node1", "local", "images", vmid.ToString(), $"vm-{vmid}-disk-1.raw");
        Assert.Equal(3L << 30, new FileInfo(raw).Length);
    }

    [Fact]
    public async Task A_running_vm_gets_scsi_and_virtio_disks_hot_plugged_and_resized_live_and_a_sata_disk_pending()
    {
        var vmid = await f.ScratchVm(("scsi0", "local:1"));
        Assert.Equal("OK", await f.Client.Wait(await f.Client.Upid(f.Client.Post($"/nodes/node1/qemu/{vmid}/status/start"))));
        try
        {
            // A sata disk cannot be hot-plugged: allocated, it waits in [PENDING] for the next start (as hotplug=0 would).
            var sata = await f.Client.Put($"/nodes/node1/qemu/{vmid}/config", ("sata1", "local:1"));
            Assert.True(sata.Status == HttpStatusCode.OK, sata.ToString());
            Assert.True(VolumeFile(vmid, $"vm-{vmid}-disk-1.qcow2"));
            Assert.Null((await f.Client.Get($"/nodes/node1/qemu/{vmid}/config", ("current", "1"))).Data!["sata1"]);

            var put = await f.Client.Put($"/nodes/node1/qemu/{vmid}/config", ("virtio1", "local:1"));
            var virtio = $"vm-{vmid}-disk-2.qcow2";
            Assert.True(put.Status == HttpStatusCode.OK, put.ToString());
            var vmState = JsonNode.Parse(File.ReadAllText(Path.Combine(f.Server.DataDir, "run", "node1", "sim", "vms", $"{vmid}.json")))!;
            Assert.Contains(vmState["disks"]!.AsArray(), d => d!["drive"]!.GetValue<string>() == "virtio1" && d["device"]!.GetValue<bool>());

            var resize = await f.Client.Upid(f.Client.Put($"/nodes/node1/qemu/{vmid}/resize", ("disk", "virtio1"), ("size", "2G")));
            Assert.Equal("OK", await f.Client.Wait(resize));
            Assert.Equal(2L << 30, VirtualSize(vmid, virtio));
            Assert.EndsWith("size=2G", (await Config(vmid))["virtio1"]!.GetValue<string>());
        }
        finally
        {
            await f.Client.Wait(await f.Client.Upid(f.Client.Post($"/nodes/node1/qemu/{vmid}/status/stop")));
        }
    }
}

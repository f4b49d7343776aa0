using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Compat;

/// <summary>Typed values (nextid string, vmid number, config types), digest, vmgenid and what create adds.</summary>
[Collection(CompatCollection.Name)]
public sealed class ConfigCompatTests(ServerFixture f)
{
    private const string Uuid = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

    private WireClient C => f.Wire();

    private async Task<JsonElement> Config(int vmid, string node = "node1")
    {
        var r = await C.Get($"/nodes/{node}/qemu/{vmid}/config");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        return JsonDocument.Parse(r.Body).RootElement.GetProperty("data").Clone();
    }

    [Fact]
    public async Task Nextid_is_a_json_string()
    {
        var r = await C.Get("/cluster/nextid");
        Assert.Equal(JsonValueKind.String, r.Data!.GetValueKind());
        var id = int.Parse(r.Data!.GetValue<string>());
        Assert.InRange(id, 100, 999999999);
        // It is free.
        Expect.Refused(await C.Get($"/nodes/node1/qemu/{id}/config"), $"Configuration file 'nodes/node1/qemu-server/{id}.conf' does not exist");

        var wanted = await C.Get("/cluster/nextid", ("vmid", "4242"));
        Assert.Equal("""{"data":"4242"}""", wanted.Body);
    }

    [Fact]
    public async Task Nextid_skips_used_ids()
    {
        var vmid = await f.CreateVm();
        await PveClient.Eventually(async () => (await C.Get("/cluster/nextid", ("vmid", vmid.ToString()))).Status == HttpStatusCode.BadRequest);
        var next = int.Parse((await C.Get("/cluster/nextid")).Data!.GetValue<string>());
        Assert.NotEqual(vmid, next);
    }

    [Fact]
    public async Task Vmid_is_a_number_in_listings()
    {
        var vmid = await f.CreateVm("node1", ("name", "listed"));
        await PveClient.Eventually(async () => (await C.Get("/nodes/node1/qemu")).Body.Contains($"\"vmid\":{vmid},"), what: "VM listed");
        var list = JsonDocument.Parse((await C.Get("/nodes/node1/qemu")).Body).RootElement.GetProperty("data");
        var entry = list.EnumerateArray().Single(e => e.GetProperty("vmid").ValueKind == JsonValueKind.Number && e.GetProperty("vmid").GetInt32() == vmid);
        Assert.Equal("listed", entry.GetProperty("name").GetString());
        Assert.Equal("stopped", entry.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, entry.GetProperty("maxmem").ValueKind);

        await PveClient.Eventually(async () => (await C.Get("/cluster/resources", ("type", "vm"))).Body.Contains($"\"vmid\":{vmid},"), what: "resource listed");
        var res = JsonDocument.Parse((await C.Get("/cluster/resources", ("type", "vm"))).Body).RootElement.GetProperty("data");
        var r = res.EnumerateArray().Single(e => e.GetProperty("id").GetString() == $"qemu/{vmid}");
        Assert.Equal(JsonValueKind.Number, r.GetProperty("vmid").ValueKind);
        Assert.Equal(vmid, r.GetProperty("vmid").GetInt32());
        Assert.Equal("qemu", r.GetProperty("type").GetString());
        Assert.Equal("node1", r.GetProperty("node").GetString());
        Assert.Equal(0, r.GetProperty("template").GetInt32());
    }

    [Fact]
    public async Task Config_values_are_typed_like_proxmox()
    {
        var vmid = await f.CreateVm("node1", ("memory", "2048"), ("cores", "2"), ("onboot", "1"), ("name", "typed"), ("ostype", "l26"));
        var c = await Config(vmid);
        Assert.Equal(JsonValueKind.String, c.GetProperty("memory").ValueKind);
        Assert.Equal("2048", c.GetProperty("memory").GetString());
        Assert.Equal(JsonValueKind.Number, c.GetProperty("cores").ValueKind);
        Assert.Equal(2, c.GetProperty("cores").GetInt32());
        Assert.Equal(JsonValueKind.Number, c.GetProperty("onboot").ValueKind);
        Assert.Equal(1, c.GetProperty("onboot").GetInt32());
        Assert.Equal("typed", c.GetProperty("name").GetString());
        Assert.Equal("l26", c.GetProperty("ostype").GetString());
    }

    [Fact]
    public async Task Digest_is_present_changes_with_the_config_and_guards_updates()
    {
        var vmid = await f.CreateVm();
        var digest = (await Config(vmid)).GetProperty("digest").GetString()!;
        Assert.Matches("^[0-9a-f]{40}$", digest);

        var ok = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("cores", "2"), ("digest", digest));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        var changed = (await Config(vmid)).GetProperty("digest").GetString()!;
        Assert.NotEqual(digest, changed);

        // The old digest no longer matches: Proxmox refuses with 500.
        var stale = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("cores", "4"), ("digest", digest));
        Expect.Refused(stale, "checksum mismatch (file change by other user?)");
        Assert.Equal(2, (await Config(vmid)).GetProperty("cores").GetInt32());
    }

    [Fact]
    public async Task Vmgenid_1_generates_explicit_is_lower_cased_0_is_kept_and_delete_removes()
    {
        // vmgenid is root-only in Proxmox (check_vm_modify_config_perm has no category for it): a root@pam session.
        var root = await f.Server.RootSession();
        var vmid = await f.CreateVm();
        var url = $"/nodes/node1/qemu/{vmid}/config";
        var created = (await Config(vmid)).GetProperty("vmgenid").GetString()!;
        Assert.Matches(Uuid, created);

        Assert.Equal(HttpStatusCode.Forbidden, (await C.Put(url, ("vmgenid", "1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await root.Put(url, ("vmgenid", "1"))).Status);
        var regenerated = (await Config(vmid)).GetProperty("vmgenid").GetString()!;
        Assert.Matches(Uuid, regenerated);
        Assert.NotEqual(created, regenerated);

        Assert.Equal(HttpStatusCode.OK, (await root.Put(url, ("vmgenid", "C5A3D0F2-8A7B-4D55-9D3E-1F6B2A9C7E40"))).Status);
        Assert.Equal("c5a3d0f2-8a7b-4d55-9d3e-1f6b2a9c7e40", (await Config(vmid)).GetProperty("vmgenid").GetString());

        Assert.Equal(HttpStatusCode.OK, (await root.Put(url, ("vmgenid", "0"))).Status);
        Assert.Equal("0", (await Config(vmid)).GetProperty("vmgenid").GetString());

        Assert.Equal(HttpStatusCode.OK, (await root.Put(url, ("delete", "vmgenid"))).Status);
        Assert.False((await Config(vmid)).TryGetProperty("vmgenid", out _));
    }

    [Fact]
    public async Task Create_adds_smbios_uuid_vmgenid_meta_boot_and_macs()
    {
        var vmid = await f.CreateVm("node1", ("scsi0", "local:1"), ("net0", "virtio,bridge=vmbr0"), ("net1", "e1000,bridge=vmbr0"));
        var c = await Config(vmid);
        var smbios = c.GetProperty("smbios1").GetString()!;
        Assert.Matches("^uuid=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", smbios);
        Assert.Matches(Uuid, c.GetProperty("vmgenid").GetString()!);
        Assert.Matches(@"^creation-qemu=\d+\.\d+\.\d+,ctime=\d+$", c.GetProperty("meta").GetString()!);
        Assert.Equal("order=scsi0;net0;net1", c.GetProperty("boot").GetString());
        var mac0 = Regex.Match(c.GetProperty("net0").GetString()!, "^virtio=(BC:24:11(:[0-9A-F]{2}){3}),bridge=vmbr0$");
        var mac1 = Regex.Match(c.GetProperty("net1").GetString()!, "^e1000=(BC:24:11(:[0-9A-F]{2}){3}),bridge=vmbr0$");
        Assert.True(mac0.Success, c.GetProperty("net0").GetString());
        Assert.True(mac1.Success, c.GetProperty("net1").GetString());
        Assert.NotEqual(mac0.Groups[1].Value, mac1.Groups[1].Value);
        Assert.Equal($"local:{vmid}/vm-{vmid}-disk-0.qcow2,size=1G", c.GetProperty("scsi0").GetString());

        // A second VM gets its own identity.
        var other = await Config(await f.CreateVm("node1", ("net0", "virtio,bridge=vmbr0")));
        Assert.NotEqual(smbios, other.GetProperty("smbios1").GetString());
        Assert.NotEqual(c.GetProperty("vmgenid").GetString(), other.GetProperty("vmgenid").GetString());
    }

    [Fact]
    public async Task Explicit_mac_and_smbios_uuid_are_kept_on_create()
    {
        var vmid = await f.CreateVm(await f.Server.RootSession(), "node1", ("net0", "virtio=AA:BB:CC:00:11:22,bridge=vmbr0"),
            ("smbios1", "uuid=6e0f3e51-1e8c-4a6a-a7f3-0a3c7f5e8b1d"), ("vmgenid", "0"));
        var c = await Config(vmid);
        Assert.Equal("virtio=AA:BB:CC:00:11:22,bridge=vmbr0", c.GetProperty("net0").GetString());
        Assert.Equal("uuid=6e0f3e51-1e8c-4a6a-a7f3-0a3c7f5e8b1d", c.GetProperty("smbios1").GetString());
        Assert.Equal("0", c.GetProperty("vmgenid").GetString());
    }

    [Fact]
    public async Task Put_returns_data_null_and_post_returns_a_qmconfig_upid()
    {
        var vmid = await f.CreateVm();
        var put = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("name", "sync"));
        Assert.Equal("""{"data":null}""", put.Body);
        var post = await C.Post($"/nodes/node1/qemu/{vmid}/config", ("name", "async"));
        var upid = post.Data!.GetValue<string>();
        Assert.Matches($"^UPID:node1:[0-9A-F]{{8}}:[0-9A-F]{{8,9}}:[0-9A-F]{{8}}:qmconfig:{vmid}:root@pam!admin:$", upid);
        Assert.Equal("OK", await f.Client.Wait(upid));
        Assert.Equal("async", (await Config(vmid)).GetProperty("name").GetString());
    }
}

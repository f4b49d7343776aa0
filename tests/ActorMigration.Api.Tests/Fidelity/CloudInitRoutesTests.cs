using System.Net;
using System.Text.Json.Nodes;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary>
/// GET/PUT …/cloudinit and …/cloudinit/dump (qemu-server's cloudinit_pending, cloudinit_update,
/// cloudinit_generated_config_dump) on the simulated driver, whose cloud-init image is JSON of the ISO's files.
/// </summary>
public sealed class CloudInitRoutesTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    private string VolumePath(string node, int vmid) =>
        Path.Combine(f.Server.DataDir, "nodes", node, "local", "images", vmid.ToString(), $"vm-{vmid}-cloudinit.qcow2");

    private IReadOnlyDictionary<string, string> Image(string node, int vmid) => SimCloudInit.Read(VolumePath(node, vmid))!;

    private async Task Ok(Task<PveClient.Response> request)
    {
        var upid = await C.Upid(request);
        Assert.True(await C.Wait(upid) == "OK", string.Join('\n', await C.Log(upid)));
    }

    private static async Task<PveClient.Response> Done(Task<PveClient.Response> request)
    {
        var r = await request;
        Assert.True(r.Status == HttpStatusCode.OK, r.ToString());
        return r;
    }

    private async Task<int> RunningVm(params (string, string)[] extra)
    {
        var vmid = f.NextVmId();
        var form = new List<(string, string)>
        {
            ("vmid", vmid.ToString()), ("memory", "512"), ("name", "web1"), ("net0", "virtio=BC:24:11:AA:BB:CC,bridge=vmbr0"),
            ("ide2", "local:cloudinit"), ("ciuser", "admin"), ("cipassword", "s3cret"), ("ipconfig0", "ip=10.0.0.5/24,gw=10.0.0.1"),
            ("nameserver", "10.0.0.53"), ("searchdomain", "example.com"), ("start", "1"),
        };
        form.AddRange(extra);
        await Ok(C.Post("/nodes/node1/qemu", form.ToArray()));
        return vmid;
    }

    /// <summary>The rows of GET …/cloudinit as <c>key=value&gt;pending!delete</c>, sorted.</summary>
    private async Task<List<string>> Rows(string node, int vmid, PveClient? client = null)
    {
        var data = (await Done((client ?? C).Get($"/nodes/{node}/qemu/{vmid}/cloudinit"))).Data!.AsArray();
        return data.Select(r => $"{r!["key"]}={S(r["value"])}>{S(r["pending"])}!{S(r["delete"])}").Order(StringComparer.Ordinal).ToList();
    }

    private static string S(JsonNode? n) => n?.ToJsonString().Trim('"') ?? "";

    private static readonly string[] InSync =
        ["cipassword=**********>!", "ciuser=admin>!", "nameserver=10.0.0.53>!", "searchdomain=example.com>!"];

    [Fact]
    public async Task A_running_vms_edit_shows_as_pending_until_put_writes_the_image_again()
    {
        var vmid = await RunningVm();
        var vm = $"/nodes/node1/qemu/{vmid}";
        Assert.Equal(InSync, await Rows("node1", vmid));

        await Done(C.Put($"{vm}/config", ("ciuser", "ops"), ("ipconfig0", "ip=10.0.0.6/24,gw=10.0.0.1"), ("ciupgrade", "0"),
            ("delete", "searchdomain")));
        // Cloud-init keys are fast-plug: in the current config at once, nothing in [PENDING], no trace of the section.
        var cfg = (await C.Get($"{vm}/config", ("current", "1"))).Data!.AsObject();
        Assert.Equal("ops", cfg["ciuser"]!.GetValue<string>());
        Assert.False(cfg.ContainsKey("added") || cfg.ContainsKey("searchdomain"));
        Assert.DoesNotContain((await C.Get($"{vm}/pending")).Data!.AsArray(), r => r!["pending"] is not null || r["delete"] is not null);
        Assert.Equal(["cipassword=**********>!", "ciupgrade=>0!", "ciuser=admin>ops!", "nameserver=10.0.0.53>!", "searchdomain=>!1"],
            await Rows("node1", vmid));
        Assert.Contains("user: admin\n", Image("node1", vmid)["user-data"]);

        var put = await Done(C.Put($"{vm}/cloudinit"));
        Assert.Null(put.Data);
        var image = Image("node1", vmid);
        Assert.Contains("\nfqdn: web1\nuser: ops\n", image["user-data"]);
        Assert.DoesNotContain("package_upgrade", image["user-data"]);
        Assert.Contains("address: '10.0.0.6'", image["network-config"]);
        Assert.Equal(["cipassword=**********>!", "ciuser=ops>!", "nameserver=10.0.0.53>!"], await Rows("node1", vmid));

        // The dump is the image's text (the admin token may read the password hash).
        foreach (var (type, file) in new[] { ("user", "user-data"), ("network", "network-config"), ("meta", "meta-data") })
            Assert.Equal(image[file], (await Done(C.Get($"{vm}/cloudinit/dump", ("type", type)))).Data!.GetValue<string>());
    }

    [Fact]
    public async Task A_start_writes_the_image_and_the_recorded_changes_go()
    {
        var vmid = await RunningVm();
        var vm = $"/nodes/node1/qemu/{vmid}";
        await Done(C.Put($"{vm}/config", ("nameserver", "10.0.0.54")));
        Assert.Contains("nameserver=10.0.0.53>10.0.0.54!", await Rows("node1", vmid));
        await Ok(C.Post($"{vm}/status/stop"));
        Assert.Contains("nameserver=10.0.0.53>10.0.0.54!", await Rows("node1", vmid));
        await Ok(C.Post($"{vm}/status/start"));
        Assert.Contains("nameserver=10.0.0.54>!", await Rows("node1", vmid));
        Assert.Contains("  - '10.0.0.54'\n", Image("node1", vmid)["network-config"]);
    }

    [Fact]
    public async Task The_recorded_changes_travel_with_a_migration_and_a_clone_and_stay_out_of_the_config()
    {
        var vmid = await RunningVm();
        await Done(C.Put($"/nodes/node1/qemu/{vmid}/config", ("ciuser", "ops")));
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/status/stop"));
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
        Assert.Contains("ciuser=admin>ops!", await Rows("node2", vmid));

        var newid = f.NextVmId();
        await Ok(C.Post($"/nodes/node2/qemu/{vmid}/clone", ("newid", newid.ToString()), ("name", "web2")));
        Assert.Contains("ciuser=admin>ops!", await Rows("node2", newid));
        var cfg = (await C.Get($"/nodes/node2/qemu/{newid}/config")).Data!.AsObject();
        Assert.Equal("ops", cfg["ciuser"]!.GetValue<string>());
        Assert.DoesNotContain(cfg, kv => kv.Key is "added" || kv.Value?.ToJsonString().Contains("special") == true);
        await Ok(C.Post($"/nodes/node2/qemu/{newid}/status/start"));
        Assert.Contains("ciuser=ops>!", await Rows("node2", newid));
        Assert.Contains("ciuser=admin>ops!", await Rows("node2", vmid));
    }

    [Fact]
    public async Task Put_on_a_vm_without_a_cloud_init_drive_does_nothing_and_a_locked_vm_is_refused()
    {
        var vmid = f.NextVmId();
        await Ok(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"), ("ciuser", "ops")));
        var digest = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["digest"]!.GetValue<string>();
        Assert.Null((await Done(C.Put($"/nodes/node1/qemu/{vmid}/cloudinit"))).Data);
        Assert.Equal(digest, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["digest"]!.GetValue<string>());
        Assert.Equal(["ciuser=ops>!"], await Rows("node1", vmid));

        var ci = await RunningVm();
        await Done(C.Put($"/nodes/node1/qemu/{ci}/config", ("ciuser", "ops")));
        var root = await f.Server.RootSession();
        await Done(root.Put($"/nodes/node1/qemu/{ci}/config", ("lock", "backup")));
        var r = await C.Put($"/nodes/node1/qemu/{ci}/cloudinit");
        Assert.Equal((HttpStatusCode.InternalServerError, "VM is locked (backup)"), (r.Status, r.Reason));
        Assert.Contains("user: admin\n", Image("node1", ci)["user-data"]);
        Assert.Contains("ciuser=admin>ops!", await Rows("node1", ci));
    }

    [Fact]
    public async Task Bad_input_is_refused_and_changes_nothing()
    {
        var vmid = await RunningVm();
        var vm = $"/nodes/node1/qemu/{vmid}";
        await Done(C.Put($"{vm}/config", ("ciuser", "ops")));
        var before = Image("node1", vmid);

        var r = await C.Put($"{vm}/cloudinit", ("foo", "1"));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal("property is not defined in schema and the schema does not allow additional properties",
            r.Errors!["foo"]!.GetValue<string>());
        Assert.Equal(before, Image("node1", vmid));
        Assert.Contains("ciuser=admin>ops!", await Rows("node1", vmid));

        r = await C.Get($"{vm}/cloudinit/dump");
        Assert.Equal((HttpStatusCode.BadRequest, "property is missing and it is not optional"), (r.Status, r.Errors!["type"]!.GetValue<string>()));
        r = await C.Get($"{vm}/cloudinit/dump", ("type", "vendor"));
        Assert.Equal((HttpStatusCode.BadRequest, "value 'vendor' does not have a value in the enumeration 'user, network, meta'"),
            (r.Status, r.Errors!["type"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("GET", "cloudinit")]
    [InlineData("PUT", "cloudinit")]
    [InlineData("GET", "cloudinit/dump?type=meta")]
    public async Task A_vm_that_does_not_exist_is_proxmoxs_500(string method, string path)
    {
        var vmid = f.NextVmId();
        var url = $"/nodes/node1/qemu/{vmid}/{path}";
        var r = method == "GET" ? await C.Get(url) : await C.Put(url);
        Assert.Equal((HttpStatusCode.InternalServerError, $"Configuration file 'nodes/node1/qemu-server/{vmid}.conf' does not exist"),
            (r.Status, r.Reason));
    }

    [Fact]
    public async Task An_auditor_reads_with_the_password_masked_and_may_not_regenerate()
    {
        var vmid = await RunningVm();
        var vm = $"/nodes/node1/qemu/{vmid}";
        var auditor = await f.Server.UserSession("ciaudit@pve", ($"/vms/{vmid}", "PVEAuditor"));
        Assert.Equal(InSync, await Rows("node1", vmid, auditor));
        var user = (await Done(auditor.Get($"{vm}/cloudinit/dump", ("type", "user")))).Data!.GetValue<string>();
        Assert.Contains("\npassword: **********\n", user);
        Assert.Equal(Image("node1", vmid)["meta-data"], (await Done(auditor.Get($"{vm}/cloudinit/dump", ("type", "meta")))).Data!.GetValue<string>());

        await Done(C.Put($"{vm}/config", ("ciuser", "ops")));
        var r = await auditor.Put($"{vm}/cloudinit");
        Assert.Equal((HttpStatusCode.Forbidden, $"Permission check failed (/vms/{vmid}, VM.Config.Cloudinit)"), (r.Status, r.Reason));
        Assert.Contains("ciuser=admin>ops!", await Rows("node1", vmid));

        var stranger = await f.Server.UserSession("cinone@pve", ("/vms/1", "PVEAuditor"));
        foreach (var path in new[] { $"{vm}/cloudinit", $"{vm}/cloudinit/dump?type=user" })
        {
            r = await stranger.Get(path);
            Assert.Equal((HttpStatusCode.Forbidden, $"Permission check failed (/vms/{vmid}, VM.Audit)"), (r.Status, r.Reason));
        }
    }
}

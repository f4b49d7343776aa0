using System.Net;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Drivers.Simulated;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary>Cloud-init drives and NoCloud images on the simulated driver (which writes the image's files as JSON).</summary>
public sealed class CloudInitApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAmG9nvS9Zg1s3x test@example";

    private string VolumePath(string node, int vmid, string file = "") =>
        Path.Combine(f.Server.DataDir, "nodes", node, "local", "images", vmid.ToString(), file == "" ? $"vm-{vmid}-cloudinit.qcow2" : file);

    private async Task<int> CreateCloudInitVm(params (string, string)[] extra)
    {
        var vmid = f.NextVmId();
        var form = new List<(string, string)>
        {
            ("vmid", vmid.ToString()), ("memory", "512"), ("name", "web1"), ("net0", "virtio=BC:24:11:AA:BB:CC,bridge=vmbr0"),
            ("ide2", "local:cloudinit"), ("ciuser", "admin"), ("cipassword", "s3cret"), ("sshkeys", Uri.EscapeDataString(Key + "\n")),
            ("ipconfig0", "ip=10.0.0.5/24,gw=10.0.0.1"), ("nameserver", "10.0.0.53"), ("searchdomain", "example.com"),
        };
        form.AddRange(extra);
        var upid = await C.Upid(C.Post("/nodes/node1/qemu", form.ToArray()));
        Assert.True(await C.Wait(upid) == "OK", string.Join('\n', await C.Log(upid)));
        return vmid;
    }

    private async Task Ok(Task<PveClient.Response> request)
    {
        var upid = await C.Upid(request);
        Assert.True(await C.Wait(upid) == "OK", string.Join('\n', await C.Log(upid)));
    }

    [Fact]
    public async Task Create_makes_the_drive_and_start_writes_the_nocloud_image()
    {
        var vmid = await CreateCloudInitVm();
        var cfg = (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!;
        Assert.Equal($"local:{vmid}/vm-{vmid}-cloudinit.qcow2,media=cdrom,size=4M", cfg["ide2"]!.GetValue<string>());
        Assert.Equal("**********", cfg["cipassword"]!.GetValue<string>());
        Assert.True(File.Exists(VolumePath("node1", vmid)));
        Assert.Null(SimCloudInit.Read(VolumePath("node1", vmid))); // allocated, not yet written

        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/status/start"));
        var files = SimCloudInit.Read(VolumePath("node1", vmid))!;
        Assert.Equal(["meta-data", "network-config", "user-data", "vendor-data"], files.Keys.Order());
        var user = files["user-data"];
        Assert.StartsWith("#cloud-config\nhostname: web1\nmanage_etc_hosts: true\nfqdn: web1.example.com\nuser: admin\npassword: $5$", user);
        Assert.Contains($"ssh_authorized_keys:\n  - {Key}\n", user);
        Assert.DoesNotContain("s3cret", user);
        Assert.Contains("    - type: physical\n      name: eth0\n      mac_address: 'bc:24:11:aa:bb:cc'\n", files["network-config"]);
        Assert.Contains("      subnets:\n      - type: static\n        address: '10.0.0.5'\n        netmask: '255.255.255.0'\n        gateway: " +
            "'10.0.0.1'\n", files["network-config"]);
        Assert.Matches("^instance-id: [0-9a-f]{40}\n$", files["meta-data"]);
    }

    [Fact]
    public async Task After_an_offline_migration_the_target_regenerates_the_image_at_start()
    {
        var vmid = await CreateCloudInitVm();
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/status/start"));
        var before = SimCloudInit.Read(VolumePath("node1", vmid))!;
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/status/stop"));
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2")));
        Assert.False(File.Exists(VolumePath("node1", vmid)));
        await Ok(C.Post($"/nodes/node2/qemu/{vmid}/status/start"));
        Assert.Equal(before, SimCloudInit.Read(VolumePath("node2", vmid)));
    }

    [Fact]
    public async Task Migrate_precondition_marks_the_cloud_init_volume()
    {
        var vmid = await CreateCloudInitVm(("scsi0", "local:1"));
        var disks = (await C.Get($"/nodes/node1/qemu/{vmid}/migrate")).Data!["local_disks"]!.AsArray();
        var cloudInit = Assert.Single(disks, d => d!["is_cloudinit"]!.GetValue<int>() == 1);
        Assert.EndsWith($"vm-{vmid}-cloudinit.qcow2", cloudInit!["volid"]!.GetValue<string>());
        Assert.Contains(disks, d => d!["is_cloudinit"]!.GetValue<int>() == 0);
    }

    [Fact]
    public async Task A_config_update_adds_a_cloud_init_drive_and_a_hashed_password()
    {
        var vmid = f.NextVmId();
        await Ok(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512")));
        var r = await C.Put($"/nodes/node1/qemu/{vmid}/config", ("sata1", "local:cloudinit,format=raw"), ("cipassword", "pw"));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal($"local:{vmid}/vm-{vmid}-cloudinit.raw,media=cdrom,size=4M",
            (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["sata1"]!.GetValue<string>());
        Assert.True(File.Exists(VolumePath("node1", vmid, $"vm-{vmid}-cloudinit.raw")));
    }

    [Fact]
    public async Task An_existing_cloud_init_volume_is_accepted_as_a_cdrom()
    {
        var vmid = f.NextVmId();
        await Ok(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"),
            ("ide0", $"local:{vmid}/vm-{vmid}-cloudinit.qcow2,media=cdrom"), ("ciuser", "root")));
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/status/start"));
        var user = SimCloudInit.Read(VolumePath("node1", vmid))!["user-data"];
        Assert.Contains("user: root\ndisable_root: False\n", user);
        Assert.DoesNotContain("users:", user);
    }

    [Fact]
    public async Task Destroy_removes_the_cloud_init_volume()
    {
        var vmid = await CreateCloudInitVm();
        Assert.True(File.Exists(VolumePath("node1", vmid)));
        await Ok(C.Delete($"/nodes/node1/qemu/{vmid}"));
        Assert.False(File.Exists(VolumePath("node1", vmid)));
    }

    [Fact]
    public void A_password_is_stored_as_a_sha256_crypt_hash_unless_hashed_already_or_for_windows()
    {
        var hash = Http.CloudInitOptions.StoredPassword("s3cret", "l26");
        Assert.Matches(@"^\$5\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{43}\z", hash);
        Assert.Equal(hash, Http.CloudInitOptions.StoredPassword(hash, null));
        Assert.Equal("s3cret", Http.CloudInitOptions.StoredPassword("s3cret", "win11"));
    }

    [Fact]
    public async Task Cicustom_snippets_replace_the_generated_files()
    {
        var vmid = f.NextVmId();
        var dir = Path.Combine(f.Server.DataDir, "nodes", "node1", "local", "snippets");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, $"user-{vmid}.yaml"), "#cloud-config\nruncmd: [touch /custom]\n");
        var vmidText = vmid.ToString();
        await Ok(C.Post("/nodes/node1/qemu", ("vmid", vmidText), ("memory", "512"), ("ide2", "local:cloudinit"),
            ("cicustom", $"user=local:snippets/user-{vmid}.yaml")));
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/status/start"));
        var files = SimCloudInit.Read(VolumePath("node1", vmid))!;
        Assert.Equal("#cloud-config\nruncmd: [touch /custom]\n", files["user-data"]);
        Assert.StartsWith("version: 1\n", files["network-config"]);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public async Task A_clone_of_a_cloud_init_template_has_its_own_drive_and_instance_id(string full)
    {
        var vmid = await CreateCloudInitVm(("scsi0", "local:1"));
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/status/start"));
        var template = SimCloudInit.Read(VolumePath("node1", vmid))!;
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/status/stop"));
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/template"));

        var newid = f.NextVmId();
        await Ok(C.Post($"/nodes/node1/qemu/{vmid}/clone", ("newid", newid.ToString()), ("name", "web2"), ("full", full)));
        var ide2 = (await C.Get($"/nodes/node1/qemu/{newid}/config")).Data!["ide2"]!.GetValue<string>();
        Assert.StartsWith($"local:{newid}/vm-{newid}-cloudinit.qcow2,media=cdrom", ide2);
        await Ok(C.Post($"/nodes/node1/qemu/{newid}/status/start"));
        var clone = SimCloudInit.Read(VolumePath("node1", newid))!;
        Assert.Contains("hostname: web2\n", clone["user-data"]);
        Assert.NotEqual(template["meta-data"], clone["meta-data"]);
        Assert.Equal(template, SimCloudInit.Read(VolumePath("node1", vmid))); // the template's own image is untouched
    }

    [Theory]
    [InlineData("virtio1", "local:cloudinit", "virtio1: cloud-init drives are only allowed on ide, sata and scsi")]
    [InlineData("ide2", "nope:cloudinit", "storage 'nope' does not exist")]
    [InlineData("ipconfig0", "ip=10.0.0.5", "invalid format - ip: value does not look like a valid IPv4 network configuration\n")]
    [InlineData("cicustom", "user=local:iso/x.iso", "invalid format - user: local:iso/x.iso is not in the snippets directory\n")]
    [InlineData("sshkeys", "ssh-rsa AAA x", "invalid format - invalid urlencoded string\n")]
    public async Task Bad_cloud_init_values_are_refused(string key, string value, string message)
    {
        var vmid = f.NextVmId();
        var r = await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"), (key, value));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal(message, r.Errors![key]!.GetValue<string>());
    }
}

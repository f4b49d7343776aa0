using System.Net;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Security;

/// <summary>
/// Issue 11: every root-only config key is refused for an API token (never root@pam, not even root's own) and for a
/// user holding every privilege (Administrator on /), at create, at restore with overrides, and in both config edits:
/// 403 with Proxmox's text, and nothing changes (configs and their digests, the VM list, tasks, storage files).
/// root@pam itself may set them.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class RootOnlyKeyApiTests(ValidationFixture f)
{
    private static readonly string Cfg = $"/nodes/node1/qemu/{ValidationFixture.Vm}/config";

    public static TheoryData<string, string, string> Keys => new()
    {
        { "args", "-drive file=/etc/shadow,format=raw,if=virtio", "only root can set 'args' config" },
        { "lock", "migrate", "only root can set 'lock' config" },
        { "arch", "x86_64", "only root can set 'arch' config" },
        { "vmgenid", "1", "only root can set 'vmgenid' config" },
        { "hostpci0", "0000:01:00.0", "only root can set 'hostpci0' config for non-mapped devices" },
        { "usb0", "host=1-1", "only root can set 'usb0' config for real devices" },
        { "serial0", "/dev/ttyS0", "only root can set 'serial0' config for real devices" },
        { "parallel0", "/dev/parport0", "only root can set 'parallel0' config" },
        { "scsi1", "/dev/sde", "Only root can pass arbitrary filesystem paths." },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task A_root_only_key_is_refused_at_create_with_nothing_created(string key, string value, string message)
    {
        var vmid = f.NextVmId().ToString();
        var r = await f.Unchanged(() => f.Api.Post("/nodes/node1/qemu", ("vmid", vmid), ("memory", "512"), (key, value)));
        Expect.Refused(r, message, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.InternalServerError, (await f.Api.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task A_root_only_key_is_refused_in_both_config_edits(string key, string value, string message)
    {
        Expect.Refused(await f.Unchanged(() => f.Api.Put(Cfg, (key, value))), message, HttpStatusCode.Forbidden);
        Expect.Refused(await f.Unchanged(() => f.Api.Post(Cfg, (key, value))), message, HttpStatusCode.Forbidden);
        // Beside an allowed key, the whole edit is refused.
        Expect.Refused(await f.Unchanged(() => f.Api.Put(Cfg, ("cores", "3"), (key, value))), message, HttpStatusCode.Forbidden);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public async Task A_root_only_key_is_refused_for_a_user_with_every_privilege(string key, string value, string message)
    {
        var admin = await f.Server.UserSession("admin@pve", ("/", "Administrator"));
        var vmid = f.NextVmId().ToString();
        Forbidden(await f.Unchanged(() => admin.Post("/nodes/node1/qemu", ("vmid", vmid), ("memory", "512"), (key, value))), message);
        Forbidden(await f.Unchanged(() => admin.Put(Cfg, (key, value))), message);
        Forbidden(await f.Unchanged(() => admin.Post(Cfg, (key, value))), message);
        // The same user may edit what its privileges cover.
        var scratch = await f.ScratchVm();
        Assert.Equal(HttpStatusCode.OK, (await admin.Put($"/nodes/node1/qemu/{scratch}/config", ("description", "by admin@pve"))).Status);
    }

    [Fact]
    public async Task Root_may_set_a_root_only_key()
    {
        var root = await f.Server.RootSession();
        var vmid = await f.ScratchVm();
        var cfg = $"/nodes/node1/qemu/{vmid}/config";
        Assert.Equal(HttpStatusCode.OK, (await root.Put(cfg, ("args", "-no-reboot"), ("serial0", "/dev/ttyS0"))).Status);
        var data = (await f.Api.Get(cfg)).Data!;
        Assert.Equal("-no-reboot", data["args"]!.GetValue<string>());
        Assert.Equal("/dev/ttyS0", data["serial0"]!.GetValue<string>());
        // And what root set, a token cannot take away or change.
        Expect.Refused(await f.Api.Put(cfg, ("delete", "serial0")), "only root can delete 'serial0' config for real devices",
            HttpStatusCode.Forbidden);
        Expect.Refused(await f.Api.Put(cfg, ("serial0", "socket")), "only root can modify 'serial0' config for real devices",
            HttpStatusCode.Forbidden);
    }

    private static void Forbidden(PveClient.Response r, string message)
    {
        Assert.True(r.Status == HttpStatusCode.Forbidden, $"expected 403, got {r}");
        Assert.Equal(message, r.Reason);
        Assert.Equal(message + "\n", r.Message);
    }

    [Fact]
    public async Task A_root_only_key_is_refused_as_a_restore_override()
    {
        var vmid = f.NextVmId().ToString();
        var r = await f.Unchanged(() => f.Api.Post("/nodes/node1/qemu", ("vmid", vmid), ("archive", "local:backup/vzdump-qemu-100.tar"),
            ("args", "-drive file=/etc/shadow,format=raw,if=virtio")));
        Expect.Refused(r, "only root can set 'args' config", HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("args")]
    [InlineData("lock")]
    [InlineData("parallel0")]
    public async Task Deleting_a_root_only_key_is_refused(string key)
    {
        var r = await f.Unchanged(() => f.Api.Put(Cfg, ("delete", key)));
        Expect.Refused(r, $"only root can set '{key}' config", HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_digest_of_the_config_is_the_same_after_a_refusal()
    {
        var before = (await f.Api.Get(Cfg)).Data!["digest"]!.GetValue<string>();
        await f.Api.Put(Cfg, ("args", "-S"));
        await f.Api.Post(Cfg, ("hostpci0", "0000:01:00.0"));
        Assert.Equal(before, (await f.Api.Get(Cfg)).Data!["digest"]!.GetValue<string>());
    }
}

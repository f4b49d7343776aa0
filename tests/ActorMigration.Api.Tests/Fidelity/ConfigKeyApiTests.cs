using System.Net;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary><c>arch</c>, <c>bootdisk</c> and host block devices as Proxmox accepts them (root-only ones refused for API tokens).</summary>
public sealed class ConfigKeyApiTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    private PveClient C => f.Client;

    /// <summary>A create with the key: the error text (400 errors[key], or the 403 of a root-only key); no VM is created.</summary>
    private async Task<string> Refusal(string key, string value)
    {
        var vmid = f.NextVmId();
        var r = await C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"), (key, value));
        Assert.Equal(HttpStatusCode.InternalServerError, (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Status);
        if (r.Status == HttpStatusCode.Forbidden) return r.Reason!;
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        return r.Errors![key]!.GetValue<string>();
    }

    [Theory]
    [InlineData("ide2", "/dev/sde")]
    [InlineData("scsi1", "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001,backup=0")]
    [InlineData("ide2", "/dev/sr0,media=cdrom")]
    public async Task A_host_block_device_is_parsed_and_refused_for_a_token_with_proxmoxs_permission_text(string key, string value) =>
        Assert.Equal("Only root can pass arbitrary filesystem paths.", await Refusal(key, value));

    [Fact]
    public async Task A_host_path_is_no_unused_disk() =>
        Assert.Equal("unable to parse volume ID '/dev/sde'", await Refusal("unused0", "/dev/sde"));

    [Fact]
    public async Task Arch_is_known_and_root_only()
    {
        Assert.Equal("only root can set 'arch' config", await Refusal("arch", "x86_64"));
        Assert.Equal("value 'sparc' does not have a value in the enumeration 'x86_64, aarch64'", await Refusal("arch", "sparc"));
    }

    [Fact]
    public async Task Bootdisk_is_accepted_as_in_proxmox()
    {
        var vmid = f.NextVmId();
        Assert.Equal("OK", await C.Wait(await C.Upid(C.Post("/nodes/node1/qemu", ("vmid", vmid.ToString()), ("memory", "512"),
            ("scsi0", "local:1"), ("bootdisk", "scsi0")))));
        Assert.Equal("scsi0", (await C.Get($"/nodes/node1/qemu/{vmid}/config")).Data!["bootdisk"]!.GetValue<string>());
    }
}

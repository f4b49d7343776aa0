using System.Security.Cryptography;
using System.Text;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;

namespace ActorMigration.Domain.Tests.CloudInit;

/// <summary>The NoCloud files as qemu-server's Cloudinit.pm writes them.</summary>
public sealed class NoCloudTests
{
    private static QmSection Cfg(string text) => QmConfig.Parse(text).Main;

    [Fact]
    public void User_data_network_config_and_instance_id()
    {
        var c = Cfg("name: db.example.org\nciuser: ops\nsshkeys: ssh-rsa%20AAA%20a%40b%0A%0Assh-ed25519%20BBB%20c%0A\nciupgrade: 0\n" +
                    "net0: virtio=BC:24:11:00:00:01,bridge=vmbr0\nipconfig0: ip=dhcp,ip6=2001:db8::5/64,gw6=2001:db8::1\n" +
                    "net1: e1000=BC:24:11:00:00:02,bridge=vmbr0\nnameserver: 1.1.1.1 9.9.9.9\n");
        var img = NoCloud.Generate(c, 100);
        Assert.Equal("#cloud-config\nhostname: db\nmanage_etc_hosts: true\nfqdn: db.example.org\nuser: ops\n" +
                     "ssh_authorized_keys:\n  - ssh-rsa AAA a@b\n  - ssh-ed25519 BBB c\nchpasswd:\n  expire: False\nusers:\n  - default\n", img.UserData);
        Assert.Equal("version: 1\nconfig:\n    - type: physical\n      name: eth0\n      mac_address: 'bc:24:11:00:00:01'\n      subnets:\n" +
                     "      - type: dhcp4\n      - type: static6\n        address: '2001:db8::5/64'\n        gateway: '2001:db8::1'\n" +
                     "    - type: nameserver\n      address:\n      - '1.1.1.1'\n      - '9.9.9.9'\n", img.NetworkConfig);
        var sha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(img.UserData + img.NetworkConfig)));
        Assert.Equal($"instance-id: {sha}\n", img.MetaData);
        Assert.Equal("", img.VendorData);
    }

    [Fact]
    public void Defaults_hostname_and_custom_snippets()
    {
        var img = NoCloud.Generate(Cfg("memory: 512\n"), 123, new Dictionary<string, string> { ["user"] = "#cloud-config\n", ["meta"] = "instance-id: x\n" });
        Assert.Equal("#cloud-config\n", img.UserData);
        Assert.Equal("instance-id: x\n", img.MetaData);
        Assert.Contains("hostname: VM123\n", NoCloud.UserData(Cfg("memory: 512\n"), 123));
        Assert.Contains("package_upgrade: true\n", NoCloud.UserData(Cfg("memory: 512\n"), 123));
    }

    [Fact]
    public void A_different_config_gives_a_different_instance_id() =>
        Assert.NotEqual(NoCloud.Generate(Cfg("name: a\n"), 100).MetaData, NoCloud.Generate(Cfg("name: b\n"), 100).MetaData);

    [Fact]
    public void Only_nocloud_is_generated()
    {
        Assert.Equal("configdrive2", NoCloud.Type(Cfg("ostype: win11\n")));
        var e = Assert.Throws<InvalidOperationException>(() => NoCloud.Generate(Cfg("citype: opennebula\n"), 100));
        Assert.Equal("cloud-init type 'opennebula' is not supported here (only nocloud)", e.Message);
    }

    [Theory]
    [InlineData("local:100/vm-100-cloudinit.qcow2", 100, true)]
    [InlineData("local:100/vm-100-cloudinit.raw", 100, true)]
    [InlineData("local:100/vm-101-cloudinit.qcow2", 100, false)]
    [InlineData("local:100/vm-100-disk-0.qcow2", 100, false)]
    public void Cloud_init_volumes(string volid, int vmid, bool expected) => Assert.Equal(expected, CloudInitDrive.IsVolume(volid, vmid));

    [Fact]
    public void A_request_becomes_a_cdrom_volume_named_as_proxmox_names_it()
    {
        Assert.Equal("local:7100/vm-7100-cloudinit.qcow2,media=cdrom", CloudInitDrive.Resolve(DriveSpec.Parse("local:cloudinit"), 7100));
        Assert.Equal("local:7100/vm-7100-cloudinit.raw,media=cdrom", CloudInitDrive.Resolve(DriveSpec.Parse("local:cloudinit,format=raw"), 7100));
    }
}

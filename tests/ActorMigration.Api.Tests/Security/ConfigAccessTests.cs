using System.Net;
using ActorMigration.Api.Http;

namespace ActorMigration.Api.Tests.Security;

/// <summary>
/// Which config keys a caller may set or delete (qemu-server's check_vm_modify_config_perm and device checks): root-only
/// keys are refused with Proxmox's text for a user holding every VM privilege, and for a token; root@pam may set them; a
/// key of a category needs exactly that category's privilege.
/// </summary>
public sealed class ConfigAccessTests
{
    private const int Vm = 100;
    private static readonly Caller Alice = new("alice@pve");
    private static readonly Caller AliceToken = new("alice@pve!ci");
    private static readonly Caller RootToken = new("root@pam!admin");
    private static readonly Caller Root = new("root@pam");

    private static readonly Grants All = new Grants()
        .Grant("alice@pve", "/vms/100", Grants.VmAdmin).Grant("alice@pve!ci", "/vms/100", Grants.VmAdmin)
        .Grant("root@pam!admin", "/vms/100", Grants.VmAdmin).Grant("alice@pve", "/", "Sys.Modify")
        .Grant("alice@pve", "/storage/local", "Datastore.AllocateSpace");

    public static TheoryData<string, string, string> RootOnlyKeys => new()
    {
        { "args", "-drive file=/etc/shadow,format=raw,if=virtio", "only root can set 'args' config" },
        { "lock", "migrate", "only root can set 'lock' config" },
        { "arch", "x86_64", "only root can set 'arch' config" },
        { "vmgenid", "1", "only root can set 'vmgenid' config" },
        { "hookscript", "local:snippets/hook.pl", "only root can set 'hookscript' config" },
        { "affinity", "0-3", "only root can set 'affinity' config" },
        { "parallel0", "/dev/parport0", "only root can set 'parallel0' config" },
        { "serial0", "/dev/ttyS0", "only root can set 'serial0' config for real devices" },
        { "usb0", "host=1-1", "only root can set 'usb0' config for real devices" },
        { "usb1", "1234:5678", "only root can set 'usb1' config for real devices" },
        { "hostpci0", "0000:01:00.0", "only root can set 'hostpci0' config for non-mapped devices" },
        { "hostpci1", "host=01:00.0,pcie=1", "only root can set 'hostpci1' config for non-mapped devices" },
        { "scsi1", "/dev/sde", ConfigAccess.HostPathRootOnly },
        { "ide2", "/dev/sr0,media=cdrom", ConfigAccess.HostPathRootOnly },
    };

    [Theory]
    [MemberData(nameof(RootOnlyKeys))]
    public async Task A_root_only_key_is_refused_for_a_user_and_tokens_and_allowed_for_root(string key, string value, string message)
    {
        foreach (var caller in new[] { Alice, AliceToken, RootToken })
            foreach (var creating in new[] { true, false })
            {
                var r = ConfigAccess.Check(caller, All, Vm, new Dictionary<string, string> { [key] = value }, [], _ => null, creating);
                Assert.NotNull(r);
                Assert.Equal((HttpStatusCode.Forbidden, message), await Grants.Answer(r));
            }
        Assert.Null(ConfigAccess.Check(Root, new Grants(), Vm, new Dictionary<string, string> { [key] = value }, [], _ => null));
    }

    [Theory]
    [InlineData("args", "-no-reboot", "only root can set 'args' config")]
    [InlineData("lock", "backup", "only root can set 'lock' config")]
    [InlineData("parallel0", "/dev/parport0", "only root can set 'parallel0' config")]
    [InlineData("serial0", "/dev/ttyS0", "only root can delete 'serial0' config for real devices")]
    [InlineData("usb0", "host=1-1", "only root can set 'usb0' config for real devices")]
    [InlineData("hostpci0", "0000:01:00.0", "only root can set 'hostpci0' config for non-mapped devices")]
    public async Task Deleting_a_root_only_key_is_refused(string key, string stored, string message)
    {
        var r = ConfigAccess.Check(Alice, All, Vm, new Dictionary<string, string>(), [key], k => k == key ? stored : null);
        Assert.Equal((HttpStatusCode.Forbidden, message), await Grants.Answer(r!));
    }

    [Fact]
    public async Task Replacing_a_host_serial_port_with_a_socket_is_refused()
    {
        var r = ConfigAccess.Check(Alice, All, Vm, new Dictionary<string, string> { ["serial0"] = "socket" }, [], _ => "/dev/ttyS0");
        Assert.Equal((HttpStatusCode.Forbidden, "only root can modify 'serial0' config for real devices"), await Grants.Answer(r!));
    }

    [Theory]
    [InlineData("serial0", "socket")]
    [InlineData("usb0", "spice")]
    [InlineData("usb1", "host=spice,usb3=1")]
    public void Virtual_devices_need_only_the_hardware_privilege(string key, string value)
    {
        var set = new Dictionary<string, string> { [key] = value };
        Assert.Null(ConfigAccess.Check(Alice, All, Vm, set, [], _ => null));
        var noHw = new Grants().Grant("alice@pve", "/vms/100", [.. Grants.VmAdmin.Where(p => p != ConfigAccess.HwTypePriv)]);
        Assert.NotNull(ConfigAccess.Check(Alice, noHw, Vm, set, [], _ => null));
    }

    public static TheoryData<string, string, string> Categories => new()
    {
        { "cores", "4", "VM.Config.CPU" }, { "numa", "1", "VM.Config.CPU" }, { "memory", "1024", "VM.Config.Memory" },
        { "balloon", "0", "VM.Config.Memory" }, { "machine", "q35", "VM.Config.HWType" }, { "vga", "std", "VM.Config.HWType" },
        { "name", "web", "VM.Config.Options" }, { "onboot", "1", "VM.Config.Options" }, { "tags", "a;b", "VM.Config.Options" },
        { "boot", "order=scsi0", "VM.Config.Disk" }, { "net0", "virtio,bridge=vmbr0", "VM.Config.Network" },
        { "scsi0", "local:100/vm-100-disk-0.qcow2", "VM.Config.Disk" }, { "ide2", "none,media=cdrom", "VM.Config.CDROM" },
    };

    [Theory]
    [MemberData(nameof(Categories))]
    public async Task A_key_needs_its_categorys_privilege(string key, string value, string privilege)
    {
        var set = new Dictionary<string, string> { [key] = value };
        Assert.Null(ConfigAccess.Check(Alice, All, Vm, set, [], _ => null));
        var lacking = new Grants().Grant("alice@pve", "/vms/100", [.. Grants.VmAdmin.Where(p => p != privilege)]);
        var r = ConfigAccess.Check(Alice, lacking, Vm, set, [], _ => null);
        Assert.Equal((HttpStatusCode.Forbidden, $"Permission check failed (/vms/100, {privilege})"), await Grants.Answer(r!));
        // Deleting it needs the same privilege.
        Assert.NotNull(ConfigAccess.Check(Alice, lacking, Vm, new Dictionary<string, string>(), [key], _ => value));
    }

    [Fact]
    public async Task Cloud_init_keys_need_cloudinit_or_network()
    {
        var set = new Dictionary<string, string> { ["ciuser"] = "admin", ["ipconfig0"] = "ip=dhcp" };
        Assert.Null(ConfigAccess.Check(Alice, new Grants().Grant("alice@pve", "/vms/100", "VM.Config.Network"), Vm, set, [], _ => null));
        Assert.Null(ConfigAccess.Check(Alice, new Grants().Grant("alice@pve", "/vms/100", "VM.Config.Cloudinit"), Vm, set, [], _ => null));
        var r = ConfigAccess.Check(Alice, new Grants().Grant("alice@pve", "/vms/100", "VM.Config.CPU"), Vm, set, [], _ => null);
        Assert.Equal((HttpStatusCode.Forbidden, "Permission check failed (/vms/100, VM.Config.Cloudinit|VM.Config.Network)"),
            await Grants.Answer(r!));
    }

    [Fact]
    public async Task Startup_also_needs_sys_modify_on_the_root()
    {
        var set = new Dictionary<string, string> { ["startup"] = "order=1" };
        Assert.Null(ConfigAccess.Check(Alice, All, Vm, set, [], _ => null));
        var r = ConfigAccess.Check(Alice, new Grants().Grant("alice@pve", "/vms/100", "VM.Config.Options"), Vm, set, [], _ => null);
        Assert.Equal((HttpStatusCode.Forbidden, "Permission check failed (/, Sys.Modify)"), await Grants.Answer(r!));
    }

    [Fact]
    public async Task A_new_disk_needs_space_on_its_storage_and_at_create_no_disk_privilege()
    {
        var set = new Dictionary<string, string> { ["scsi0"] = "shared:4" };
        var r = ConfigAccess.Check(Alice, All, Vm, set, [], _ => null, creating: true);
        Assert.Equal((HttpStatusCode.Forbidden, "Permission check failed (/storage/shared, Datastore.AllocateSpace)"), await Grants.Answer(r!));
        var space = new Grants().Grant("alice@pve", "/storage/shared", "Datastore.AllocateSpace");
        Assert.Null(ConfigAccess.Check(Alice, space, Vm, set, [], _ => null, creating: true));
        Assert.NotNull(ConfigAccess.Check(Alice, space, Vm, set, [], _ => null, creating: false));
    }

    [Fact]
    public async Task A_mapped_pci_device_needs_mapping_use_and_a_romfile_is_root_only()
    {
        var set = new Dictionary<string, string> { ["hostpci0"] = "mapping=gpu" };
        var r = ConfigAccess.Check(Alice, All, Vm, set, [], _ => null);
        Assert.Equal((HttpStatusCode.Forbidden, "Permission check failed (/mapping/pci/gpu, Mapping.Use)"), await Grants.Answer(r!));
        var mapped = new Grants().Grant("alice@pve", "/mapping/pci/gpu", "Mapping.Use").Grant("alice@pve", "/vms/100", "VM.Config.HWType");
        Assert.Null(ConfigAccess.Check(Alice, mapped, Vm, set, [], _ => null));
        var rom = ConfigAccess.Check(Alice, mapped, Vm, new Dictionary<string, string> { ["hostpci0"] = "mapping=gpu,romfile=x.rom" }, [],
            _ => null);
        Assert.Equal(HttpStatusCode.BadRequest, (await Grants.Answer(rom!)).Status);
    }

    [Fact]
    public async Task Another_vms_disk_needs_datastore_allocate_and_an_iso_needs_audit_as_check_volume_access()
    {
        var other = new Dictionary<string, string> { ["scsi1"] = "local:101/vm-101-disk-0.qcow2" };
        var r = ConfigAccess.Check(Alice, All, Vm, other, [], _ => null);
        Assert.Equal((HttpStatusCode.Forbidden, "Permission check failed (/storage/local, Datastore.Allocate)"), await Grants.Answer(r!));
        Assert.Null(ConfigAccess.Check(Alice, All, Vm, new Dictionary<string, string> { ["scsi1"] = "local:100/vm-100-disk-1.qcow2" }, [],
            _ => null));
        var storageAdmin = new Grants().Grant("alice@pve", "/vms/100", Grants.VmAdmin).Grant("alice@pve", "/storage/local", "Datastore.Allocate");
        Assert.Null(ConfigAccess.Check(Alice, storageAdmin, Vm, other, [], _ => null));

        var iso = new Dictionary<string, string> { ["ide2"] = "shared:iso/debian.iso,media=cdrom" };
        var noAudit = ConfigAccess.Check(Alice, All, Vm, iso, [], _ => null);
        Assert.Equal((HttpStatusCode.Forbidden, "Permission check failed (/storage/shared, Datastore.AllocateSpace|Datastore.Audit)"),
            await Grants.Answer(noAudit!));
        var auditor = new Grants().Grant("alice@pve", "/vms/100", Grants.VmAdmin).Grant("alice@pve", "/storage/shared", "Datastore.Audit");
        Assert.Null(ConfigAccess.Check(Alice, auditor, Vm, iso, [], _ => null));
    }

    [Fact]
    public void An_import_source_and_a_backup_need_their_storage_rights()
    {
        var import = new Dictionary<string, string> { ["scsi0"] = "local:0,import-from=shared:import/disk.qcow2" };
        var space = new Grants().Grant("alice@pve", "/storage/local", "Datastore.AllocateSpace");
        Assert.Equal("/storage/shared, Datastore.AllocateSpace|Datastore.Audit",
            ConfigAccess.VolumeDenied(Alice, space, Vm, "shared:import/disk.qcow2"));
        Assert.NotNull(ConfigAccess.Check(Alice, space, Vm, import, [], _ => null, creating: true));
        space.Grant("alice@pve", "/storage/shared", "Datastore.Audit");
        Assert.Null(ConfigAccess.Check(Alice, space, Vm, import, [], _ => null, creating: true));

        const string backup = "local:backup/vzdump-qemu-200-2026_01_01-00_00_00.tar";
        var grants = new Grants().Grant("alice@pve", "/storage/local", "Datastore.AllocateSpace");
        Assert.Equal("/vms/200, VM.Backup", ConfigAccess.VolumeDenied(Alice, grants, Vm, backup));
        grants.Grant("alice@pve", "/vms/200", "VM.Backup");
        Assert.Null(ConfigAccess.VolumeDenied(Alice, grants, Vm, backup));
    }
}

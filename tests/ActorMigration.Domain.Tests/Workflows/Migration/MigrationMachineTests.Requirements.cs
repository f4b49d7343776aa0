using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>Requirement checks as the migration task sees them.</summary>
public partial class MigrationMachineTests
{
    // ---- requirement checks, as the task sees them ----

    public static TheoryData<string, string> Refusals => new()
    {
        { "running-without-online", "can't migrate running VM without --online" },
        { "local-devices", "can't migrate VM which uses local devices: hostpci0" },
        { "local-devices-several", "can't migrate VM which uses local devices: hostpci0, parallel0, serial1, usb0" },
        { "local-disks-without-option", "can't live migrate attached local disks without with-local-disks option" },
        { "target-storage-unavailable", "storage 'only1' is not available on node 'node2'" },
        { "mapped-storage-unavailable", "storage 'shared13' is not available on node 'node2'" },
        { "shared-storage-unavailable", "storage 'shared13' is not available on node 'node2'" },
        { "target-storage-no-images", "storage 'isos' does not support vm images" },
        { "target-storage-unknown", "storage 'nope' does not exist" },
        { "target-is-local", "target is local node." },
        { "no-such-node", "no such cluster node 'node9'" },
        { "older-target", "target node 'node2' runs an older version (8.1.10) than source node 'node1' (8.2.4)" },
        { "cpu-vendor", "CPU vendor of target node 'node2' (AuthenticAMD) differs from source node 'node1' (GenuineIntel)" },
        { "target-offline", "target node 'node2' is offline" },
        { "target-unknown-facts", "target node 'node2' is offline" },
        { "locked-by-other", "VM is locked (backup)" },
        { "vm-on-other-node", "Configuration file 'nodes/node1/qemu-server/100.conf' does not exist" },
        { "linked-clone-local", "can't migrate linked clone volume 'local:9000/base-9000-disk-0.qcow2/100/vm-100-disk-0.qcow2' on local storage" },
        { "local-cdrom", "can't migrate local disk 'local:iso/debian-12.iso': local cdrom image" },
        { "physical-cdrom", "can't migrate local cdrom drive" },
        { "physical-cdrom-in-snapshot", "can't migrate local cdrom drive (referenced in snapshot - s1, s2)" },
        { "live-local-disk-with-snapshot",
            "can't migrate local disk 'local:100/vm-100-disk-0.qcow2': online storage migration not possible if non-replicated snapshot exists" },
        { "raw-disk-with-snapshot", "can't migrate local disk 'local:100/vm-100-disk-1.raw': non-migratable snapshot exists" },
        { "aliased-volumes", "Problem found while scanning volumes - detected not supported aliased volumes: 'alias:100/vm-100-disk-0.qcow2', " +
            "'local:100/vm-100-disk-0.qcow2'" },
        { "volume-unreadable", "can't migrate local disk 'local:100/vm-100-disk-0.qcow2': unable to determine size for volume " +
            "'local:100/vm-100-disk-0.qcow2'" },
        { "bad-storage-map", "failed to parse storage map: 'fast:slow:x' is not a valid storage pair" },
    };

    private static (MigrationRequest, MigrationFacts) Build(string name)
    {
        var hostpci = SharedConfig + "hostpci0: 0000:01:00.0,pcie=1\n";
        return name switch
        {
            "running-without-online" => (Request(online: false), Facts(SharedConfig)),
            "local-devices" => (Request(), Facts(hostpci)),
            "local-devices-several" => (Request(), Facts(hostpci
                + "parallel0: /dev/parport0\nserial0: socket\nserial1: /dev/ttyS0\nusb0: host=046d:c52b\nusb1: spice\n")),
            "local-disks-without-option" => (Request(), Facts(LocalConfig)),
            "target-storage-unavailable" => (Request(withLocalDisks: true),
                Facts(LocalConfig.Replace("local:100/vm-100-disk-1.raw", "only1:100/vm-100-disk-1.raw"))),
            "mapped-storage-unavailable" => (Request(withLocalDisks: true, targetStorage: "local:shared13"), Facts(LocalConfig)),
            "shared-storage-unavailable" => (Request(), Facts(SharedConfig.Replace("nfs-shared:100/", "shared13:100/"))),
            "target-storage-no-images" => (Request(withLocalDisks: true, targetStorage: "isos"), Facts(LocalConfig)),
            "target-storage-unknown" => (Request(withLocalDisks: true, targetStorage: "nope"), Facts(LocalConfig)),
            "target-is-local" => (Request(target: "node1"), Facts(SharedConfig, target: Node("node1", "10.0.0.1"))),
            "no-such-node" => (Request(target: "node9"), Facts(SharedConfig, target: Node("node9", "10.0.0.9"))),
            "older-target" => (Request(), Facts(SharedConfig, target: Node("node2", "10.0.0.2", version: "8.1.10"))),
            "cpu-vendor" => (Request(), Facts(SharedConfig, target: Node("node2", "10.0.0.2", vendor: "AuthenticAMD"))),
            "target-offline" => (Request(), Facts(SharedConfig, target: Node("node2", "10.0.0.2", online: false))),
            "target-unknown-facts" => (Request(), Facts(SharedConfig, noTarget: true)),
            "locked-by-other" => (Request(), Facts(SharedConfig, vm: Vm(SharedConfig, lockOwner: "other-task", lockName: "backup"))),
            "vm-on-other-node" => (Request(), Facts(SharedConfig, vm: Vm(SharedConfig, node: "node3"))),
            "linked-clone-local" => (Request(online: false),
                Facts(LocalConfig.Replace("local:100/vm-100-disk-0.qcow2", "local:9000/base-9000-disk-0.qcow2/100/vm-100-disk-0.qcow2"), running: false)),
            "local-cdrom" => (Request(), Facts(SharedConfig.Replace("nfs-shared:iso/", "local:iso/"))),
            "physical-cdrom" => (Request(), Facts(SharedConfig.Replace("nfs-shared:iso/debian-12.iso", "cdrom"))),
            "physical-cdrom-in-snapshot" => (Request(), Facts(SharedConfig + "parent: s2\n\n[s2]\nide2: cdrom,media=cdrom\n\n[s1]\nide0: cdrom,media=cdrom\n")),
            "live-local-disk-with-snapshot" => (Request(withLocalDisks: true), Facts(LocalConfig
                + "parent: s1\n\n[s1]\nscsi0: local:100/vm-100-disk-0.qcow2,size=32G\nsnaptime: 1700000000\n")),
            "raw-disk-with-snapshot" => (Request(online: false),
                Facts(LocalConfig + "parent: s1\n\n[s1]\nscsi1: local:100/vm-100-disk-1.raw,size=4G\nsnaptime: 1700000000\n", running: false)),
            "aliased-volumes" => (Request(online: false), Facts(LocalConfig + "unused0: alias:100/vm-100-disk-0.qcow2\n", running: false,
                storage: StorageCfg + "\ndir: alias\n\tpath /var/lib/vz\n\tcontent images\n",
                volumes: [Info("local:100/vm-100-disk-0.qcow2", 32 * GiB, path: "/var/lib/vz/images/100/vm-100-disk-0.qcow2"),
                    Info("local:100/vm-100-disk-1.raw", 4 * GiB, path: "/var/lib/vz/images/100/vm-100-disk-1.raw"),
                    Info("alias:100/vm-100-disk-0.qcow2", 32 * GiB, path: "/var/lib/vz/images/100/vm-100-disk-0.qcow2")])),
            "volume-unreadable" => (Request(online: false), Facts(LocalConfig, running: false, volumes: [])),
            "bad-storage-map" => (Request(withLocalDisks: true, targetStorage: "fast:slow:x"), Facts(LocalConfig)),
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Requirement_checks_abort_the_migration_with_proxmox_messages(string scenario, string message)
    {
        var (req, facts) = Build(scenario);
        var h = MigrationHarness.Started(req, facts).Run();
        Assert.Equal(["lock", "prepare", "rb-unlock"], h.Ran);
        Assert.Null(h.S.Plan);
        Assert.Equal(message, h.Core.Error);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Equal($"ERROR: migration aborted (duration 00:00:03): {message}", h.Text[^2]);
        Assert.Equal("TASK ERROR: migration aborted", h.Log[^1]);
        Assert.False(h.Core.PastPointOfNoReturn);

        // the same check straight from MigrationChecks
        var (plan, error, _) = MigrationChecks.Prepare(req, facts, Upid);
        Assert.Null(plan);
        Assert.Equal(message, error);
    }

    [Fact]
    public void Offline_migration_ignores_the_cpu_vendor()
    {
        var h = MigrationHarness.Started(Request(online: false),
            Facts(SharedConfig, running: false, target: Node("node2", "10.0.0.2", vendor: "AuthenticAMD"))).Run();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Spice_usb_mapped_usb_and_serial_socket_are_not_local_devices()
    {
        var cfg = SharedConfig + "serial0: socket\nusb0: spice,usb3=1\nusb1: mapping=yubikey\n";
        var h = MigrationHarness.Started(Request(), Facts(cfg)).Run();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Newer_target_version_is_fine()
    {
        var h = MigrationHarness.Started(Request(), Facts(SharedConfig, target: Node("node2", "10.0.0.2", version: "8.2.10"))).Run();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Forced_offline_migration_with_local_devices_logs_and_continues()
    {
        var h = MigrationHarness.Started(Request(online: false, force: true), Facts(SharedConfig + "hostpci0: 0000:01:00.0\n", running: false)).Run();
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Contains("migrating VM which uses local devices", h.Text);
    }
}

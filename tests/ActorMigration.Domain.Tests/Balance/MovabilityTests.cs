using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>Each reason a VM cannot move, with its text (design15 §3.3).</summary>
public class MovabilityTests
{
    private static readonly StorageConfig Storage = StorageConfig.Parse(
        "dir: local\n\tpath /var/lib/vz\n\tcontent iso,images\n\ndir: nfs\n\tpath /mnt/pve/nfs\n\tcontent images,iso\n\tshared 1\n");

    private static readonly string[] Eligible = ["node1", "node2", "node3"];

    private const string Shared = "memory: 4096\nscsi0: nfs:105/vm-105-disk-0.raw,size=8G\n";

    private static MoveBlock? Check(string cfg, bool running = true, bool withLocalDisks = false, Domain.Ha.HaGroup? group = null, string? lockName = null) =>
        Movability.Check(Vm(105, "node2", running: running, lockName: lockName), QmConfig.Parse(cfg), Storage, group, Eligible, withLocalDisks);

    [Fact]
    public void A_vm_on_shared_storage_without_devices_can_move() => Assert.Null(Check(Shared));

    [Fact]
    public void Template()
    {
        var b = Check(Shared + "template: 1\n", running: false);
        Assert.Equal(MoveBlockKinds.Template, b!.Kind);
        Assert.Equal("VM 105 stays on node 'node2': template", b.Line);
    }

    [Fact]
    public void Local_devices_and_host_files()
    {
        var b = Check(Shared + "hostpci0: 0000:01:00.0\nusb0: host=1234:5678\nide2: /dev/sde,media=cdrom\n");
        Assert.Equal(MoveBlockKinds.LocalResources, b!.Kind);
        Assert.Equal("local resources: hostpci0, usb0, /dev/sde", b.Reason);
    }

    [Fact]
    public void Local_disk_of_a_running_vm_only_without_the_policy()
    {
        const string cfg = "memory: 4096\nscsi0: local:105/vm-105-disk-0.qcow2,size=8G\nunused0: local:105/vm-105-disk-1.raw\n";
        var b = Check(cfg);
        Assert.Equal(MoveBlockKinds.LocalDisk, b!.Kind);
        Assert.Equal("VM 105 stays on node 'node2': local disk without with-local-disks: local:105/vm-105-disk-0.qcow2", b.Line);
        Assert.Null(Check(cfg, withLocalDisks: true));
        Assert.Null(Check(cfg, running: false));
    }

    [Fact]
    public void Restricted_group_without_another_eligible_node_pins()
    {
        var b = Check(Shared, group: Group("pin2", true, ("node2", 0)));
        Assert.Equal(MoveBlockKinds.Pinned, b!.Kind);
        Assert.Equal("pinned by HA group 'pin2' (restricted to node2)", b.Reason);
        Assert.Null(Check(Shared, group: Group("free2", false, ("node2", 0))));
        Assert.Null(Check(Shared, group: Group("two", true, ("node2", 0), ("node3", 0))));
        Assert.NotNull(Check(Shared, group: Group("gone", true, ("node2", 0), ("node9", 0))));
    }

    [Fact]
    public void Locked()
    {
        var b = Check(Shared, lockName: "backup");
        Assert.Equal(MoveBlockKinds.Locked, b!.Kind);
        Assert.Equal("locked (backup)", b.Reason);
    }

    [Fact]
    public void No_room_lists_each_refusal()
    {
        var b = Movability.NoRoom(Vm(105, "node2"), ["node1 has 1.0 GiB free (needs 4.0 GiB)", "node3 in maintenance"]);
        Assert.Equal("VM 105 stays on node 'node2': no allowed node: node1 has 1.0 GiB free (needs 4.0 GiB), node3 in maintenance", b.Line);
    }
}

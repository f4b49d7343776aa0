using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

public class MigrationChecksTests
{
    private static readonly StorageConfig Storage = StorageConfig.Parse(StorageCfg);

    [Fact]
    public void Local_resources_are_sorted_and_exclude_safe_devices()
    {
        var s = QmConfig.Parse(
            "hostpci1: 0000:02:00.0\nhostpci0: 0000:01:00.0\nserial0: socket\nserial1: /dev/ttyS1\nparallel0: /dev/parport0\n" +
            "usb0: spice\nusb1: host=1234:5678\nusb2: mapping=token\nnet0: virtio,bridge=vmbr0\nscsi0: local:100/vm-100-disk-0.raw\n").Main;
        Assert.Equal(["hostpci0", "hostpci1", "parallel0", "serial1", "usb1"], MigrationChecks.LocalResources(s));
        Assert.Empty(MigrationChecks.LocalResources(QmConfig.Parse(SharedConfig).Main));
    }

    [Fact]
    public void Volumes_cover_attached_unused_cdrom_and_snapshot_only_volumes_once()
    {
        var cfg = QmConfig.Parse(
            "ide2: local:iso/debian.iso,media=cdrom\nide3: none,media=cdrom\nparent: s1\nscsi0: local:100/vm-100-disk-0.qcow2,size=32G\n" +
            "scsi1: nfs-shared:100/vm-100-disk-1.raw,size=1G\nunused0: local:100/vm-100-disk-9.raw\nvirtio0: /dev/sdb\n\n" +
            "[s1]\nscsi0: local:100/vm-100-disk-0.qcow2,size=32G\nscsi3: local:100/vm-100-disk-7.vmdk,size=2G\nsnaptime: 1\n");
        var vols = MigrationChecks.Volumes(cfg, Storage);
        Assert.Equal(
        [
            new VmVolume("ide2", "local:iso/debian.iso", 0, "raw", true, false, false, false),
            new VmVolume("scsi0", "local:100/vm-100-disk-0.qcow2", 32 * GiB, "qcow2", false, false, false, false),
            new VmVolume("scsi1", "nfs-shared:100/vm-100-disk-1.raw", GiB, "raw", false, false, true, false),
            new VmVolume("unused0", "local:100/vm-100-disk-9.raw", 0, "raw", false, true, false, false),
            new VmVolume("scsi3", "local:100/vm-100-disk-7.vmdk", 2 * GiB, "vmdk", false, false, false, true),
        ], vols);
    }

    [Theory]
    [InlineData("node1", "node1", "target is local node.")]
    [InlineData("node1", "node7", "no such cluster node 'node7'")]
    [InlineData("node1", "node2", null)]
    public void Target_errors(string source, string target, string? error) =>
        Assert.Equal(error, MigrationChecks.TargetError(source, target, ["node1", "node2", "node3"]));

    [Fact]
    public void Unavailable_storages_follow_the_map_except_for_shared_and_cdrom()
    {
        var cfg = QmConfig.Parse(
            "ide2: isos:iso/x.iso,media=cdrom\nscsi0: local:100/vm-100-disk-0.raw\nscsi1: only1:100/vm-100-disk-1.raw\n" +
            "scsi2: shared13:100/vm-100-disk-2.raw\nscsi3: nfs-shared:100/vm-100-disk-3.raw\n");
        Assert.Equal(["only1", "shared13"], MigrationChecks.UnavailableStorages(cfg, Storage, "node2", StorageMap.Same));
        StorageMap.TryParse("only1:fast", out var map, out _);
        Assert.Equal(["shared13"], MigrationChecks.UnavailableStorages(cfg, Storage, "node2", map));
        Assert.Equal(["fast"], MigrationChecks.UnavailableStorages(cfg, Storage, "node1", map));
        StorageMap.TryParse("nope", out var bad, out _);
        Assert.Equal(["nope", "shared13"], MigrationChecks.UnavailableStorages(cfg, Storage, "node2", bad));
    }

    [Fact]
    public void Plan_for_online_migration_with_local_disks()
    {
        var (plan, error, info) = MigrationChecks.Prepare(Request(withLocalDisks: true, targetStorage: "fast"), Facts(LocalConfig), Upid);
        Assert.Null(error);
        Assert.NotNull(plan);
        Assert.True(plan!.Online);
        Assert.True(plan.Running);
        Assert.Equal("10.0.0.2", plan.TargetAddress);
        Assert.Equal(
        [
            new DiskMove("scsi0", "local:100/vm-100-disk-0.qcow2", "fast:100/vm-100-disk-0.qcow2", "qcow2", 32 * GiB, true),
            new DiskMove("scsi1", "local:100/vm-100-disk-1.raw", "fast:100/vm-100-disk-1.raw", "raw", 4 * GiB, true),
        ], plan.Disks);
        Assert.Equal(
        [
            "found local disk 'local:100/vm-100-disk-0.qcow2' (attached)",
            "found local disk 'local:100/vm-100-disk-1.raw' (attached)",
            "volume 'local:100/vm-100-disk-0.qcow2' is 'fast:100/vm-100-disk-0.qcow2' on the target",
            "volume 'local:100/vm-100-disk-1.raw' is 'fast:100/vm-100-disk-1.raw' on the target",
        ], info);

        Assert.Equal("migrate", QmConfig.Parse(plan.ConfigText).Lock);
        var newCfg = QmConfig.Parse(plan.NewConfigText);
        Assert.Null(newCfg.Lock);
        Assert.Null(newCfg["machine"]);
        Assert.Equal("fast:100/vm-100-disk-0.qcow2,discard=on,size=32G", newCfg["scsi0"]);
        var incoming = QmConfig.Parse(plan.IncomingConfigText);
        Assert.Equal("pc-i440fx-8.1+pve0", incoming["machine"]);
        incoming["machine"] = null;
        Assert.Equal(plan.NewConfigText, incoming.ToString());
    }

    [Fact]
    public void Configured_machine_is_not_overridden_by_the_running_one()
    {
        var (plan, _, _) = MigrationChecks.Prepare(Request(), Facts(SharedConfig + "machine: pc-q35-8.1\n"), Upid);
        Assert.Equal("pc-q35-8.1", QmConfig.Parse(plan!.IncomingConfigText)["machine"]);
    }

    [Fact]
    public void Taken_target_names_are_avoided()
    {
        var facts = Facts(LocalConfig, running: false, targetVolumes: ["local:100/vm-100-disk-0.qcow2"]);
        var (plan, error, info) = MigrationChecks.Prepare(Request(online: false), facts, Upid);
        Assert.Null(error);
        Assert.Equal(["local:100/vm-100-disk-1.qcow2", "local:100/vm-100-disk-1.raw"], plan!.Disks.Select(d => d.DstVolid));
        Assert.All(plan.Disks, d => Assert.False(d.Live));
        Assert.Equal(["volume 'local:100/vm-100-disk-0.qcow2' is 'local:100/vm-100-disk-1.qcow2' on the target"],
            info.Where(l => l.StartsWith("volume '")));
        Assert.Equal("local:100/vm-100-disk-1.qcow2,discard=on,size=32G", QmConfig.Parse(plan.NewConfigText)["scsi0"]);
    }

    [Fact]
    public void Renamed_volumes_get_a_disk_number_free_in_every_format()
    {
        // PVE::Storage::Plugin::get_next_vm_diskname collects the disk numbers of vm-<vmid>-disk-<N>.* whatever
        // the format and takes the first free number; the target already has disk numbers 0 and 1.
        var facts = Facts(LocalConfig, running: false, targetVolumes: ["local:100/vm-100-disk-0.qcow2", "local:100/vm-100-disk-1.raw"]);
        var (plan, error, _) = MigrationChecks.Prepare(Request(online: false), facts, Upid);
        Assert.Null(error);
        Assert.Equal(["local:100/vm-100-disk-2.qcow2", "local:100/vm-100-disk-3.raw"], plan!.Disks.Select(d => d.DstVolid));
    }

    [Fact]
    public void Offline_plan_moves_without_renaming_when_free()
    {
        var (plan, _, info) = MigrationChecks.Prepare(Request(online: false), Facts(LocalConfig, running: false), Upid);
        Assert.False(plan!.Online);
        Assert.False(plan.Running);
        Assert.Equal(plan.Disks.Select(d => d.SrcVolid), plan.Disks.Select(d => d.DstVolid));
        Assert.DoesNotContain(info, l => l.StartsWith("volume '"));
        Assert.Equal(QmConfig.Parse(plan.NewConfigText)["scsi0"], QmConfig.Parse(LocalConfig)["scsi0"]);
    }

    [Fact]
    public void Lock_of_the_task_itself_passes()
    {
        var (plan, error, _) = MigrationChecks.Prepare(Request(), Facts(SharedConfig, vm: Vm(SharedConfig, lockOwner: Upid)), Upid);
        Assert.Null(error);
        Assert.NotNull(plan);
        var (_, error2, _) = MigrationChecks.Prepare(Request(), Facts(SharedConfig, vm: Vm(SharedConfig, lockOwner: null)), Upid);
        Assert.Null(error2);
    }

    [Fact]
    public void Unknown_source_storage_is_refused()
    {
        var (_, error, _) = MigrationChecks.Prepare(Request(online: false), Facts(SharedConfig + "scsi5: gone:100/vm-100-disk-5.raw\n", running: false), Upid);
        Assert.Equal("storage 'gone' does not exist", error);
    }

    [Fact]
    public void Renamed_volume_skips_numbers_only_of_its_own_vm_and_storage()
    {
        var facts = Facts(LocalConfig, running: false,
            targetVolumes: ["local:100/vm-100-disk-0.qcow2", "local:101/vm-101-disk-1.qcow2", "fast:100/vm-100-disk-1.raw",
                "local:100/vm-100-cloudinit.qcow2"]);
        var (plan, error, _) = MigrationChecks.Prepare(Request(online: false), facts, Upid);
        Assert.Null(error);
        // disk-1 is free on local for VM 100; scsi1 keeps its name, as nothing of that name exists there
        Assert.Equal(["local:100/vm-100-disk-1.qcow2", "local:100/vm-100-disk-1.raw"], plan!.Disks.Select(d => d.DstVolid));
    }

    [Fact]
    public void Force_does_not_allow_local_devices_on_a_running_vm()
    {
        var (_, error, _) = MigrationChecks.Prepare(Request(force: true), Facts(SharedConfig + "hostpci0: 0000:01:00.0\n"), Upid);
        Assert.Equal("can't migrate VM which uses local devices: hostpci0", error);
    }

    [Fact]
    public void Local_cloud_init_drive_is_copied_offline_to_the_mapped_storage()
    {
        var cfg = LocalConfig + "ide2: local:100/vm-100-cloudinit.qcow2,media=cdrom\n";
        var (plan, error, info) = MigrationChecks.Prepare(Request(withLocalDisks: true, targetStorage: "fast"), Facts(cfg), Upid);
        Assert.Null(error);
        var ci = Assert.Single(plan!.Disks, d => d.Drive == "ide2");
        Assert.Equal(new DiskMove("ide2", "local:100/vm-100-cloudinit.qcow2", "fast:100/vm-100-cloudinit.qcow2", "qcow2", 0, false), ci);
        Assert.Contains("found generated disk 'local:100/vm-100-cloudinit.qcow2' (in current VM config)", info);
        // it needs the mapped storage on the target, unlike an ISO
        StorageMap.TryParse("only1", out var map, out _);
        Assert.Equal(["only1"], MigrationChecks.UnavailableStorages(QmConfig.Parse(cfg), Storage, "node2", map));
    }

    [Fact]
    public void Local_tpm_state_alone_needs_no_with_local_disks()
    {
        // 'generated', not 'attached': scan_local_volumes asks for with-local-disks only for attached disks.
        var cfg = SharedConfig + "tpmstate0: local:100/vm-100-disk-5.raw,size=4M,version=v2.0\n";
        var (plan, error, _) = MigrationChecks.Prepare(Request(), Facts(cfg), Upid);
        Assert.Null(error);
        Assert.False(Assert.Single(plan!.Disks).Live);
    }

    // ---- known bugs (QemuMigrate::scan_local_volumes / check_local_resources) ----

    [Fact]
    public void Local_cloud_init_drive_does_not_block_migration()
    {
        // A vm-<id>-cloudinit volume is 'generated': Proxmox copies/regenerates it instead of refusing
        // "local cdrom image"; every cloud-init VM on local storage would otherwise be unmigratable.
        var cfg = LocalConfig + "ide2: local:100/vm-100-cloudinit.qcow2,media=cdrom\n";
        var (plan, error, _) = MigrationChecks.Prepare(Request(withLocalDisks: true), Facts(cfg), Upid);
        Assert.Null(error);
        Assert.NotNull(plan);
    }

    [Fact]
    public void Disk_owned_by_another_vm_is_refused()
    {
        // "can't migrate local disk 'local:101/vm-101-disk-0.qcow2': owned by other VM (owner = VM 101)".
        // Today the plan copies it to local:100/vm-101-disk-0.qcow2 and free-source deletes VM 101's disk.
        var cfg = SharedConfig + "scsi1: local:101/vm-101-disk-0.qcow2,size=1G\n";
        var (plan, error, info) = MigrationChecks.Prepare(Request(online: false), Facts(cfg, running: false), Upid);
        Assert.Null(plan);
        Assert.NotNull(error);
        Assert.Contains("owned by other VM (owner = VM 101)", string.Join("\n", info.Append(error!)));
    }

    [Fact]
    public void Base_volume_used_by_linked_clones_is_refused()
    {
        // "can't migrate local disk '...': referenced by linked clone(s)"; moving the base and freeing the
        // source would pull the backing file from under VM 101.
        const string template = "name: tpl\nscsi0: local:100/base-100-disk-0.qcow2,size=8G\ntemplate: 1\n";
        var s = VmState.Empty(100);
        foreach (var cmd in new IVmCommand[]
                 {
                     new CreateVm(100, "node1", template),
                     new AddLinkedClone(100, 101),
                     new AcquireVmLock(100, "migrate", Upid),
                 })
            s = VmDecider.Decide(s, cmd).Events.Aggregate(s, VmDecider.Apply);
        var (plan, error, info) = MigrationChecks.Prepare(Request(online: false), Facts(template, running: false, vm: s.ToView()), Upid);
        Assert.Null(plan);
        Assert.Contains("linked clone", string.Join("\n", info.Append(error ?? "")));
    }

    [Fact]
    public void Tpm_state_is_copied_offline_not_mirrored()
    {
        // swtpm state is no QEMU block device; Proxmox migrates 'generated' tpmstate volumes offline first.
        var cfg = LocalConfig + "tpmstate0: local:100/vm-100-disk-5.raw,size=4M,version=v2.0\n";
        var (plan, error, _) = MigrationChecks.Prepare(Request(withLocalDisks: true), Facts(cfg), Upid);
        Assert.Null(error);
        var tpm = Assert.Single(plan!.Disks, d => d.Drive == "tpmstate0");
        Assert.False(tpm.Live);
        Assert.Equal(["scsi0", "scsi1"], plan.LiveDisks.Select(d => d.Drive));
    }

    [Fact]
    public void Ivshmem_is_a_local_device()
    {
        // check_local_resources: push @loc_res, "ivshmem" if $conf->{ivshmem};
        var (_, error, _) = MigrationChecks.Prepare(Request(), Facts(SharedConfig + "ivshmem: size=32,name=looking-glass\n"), Upid);
        Assert.Equal("can't migrate VM which uses local devices: ivshmem", error);
    }
}

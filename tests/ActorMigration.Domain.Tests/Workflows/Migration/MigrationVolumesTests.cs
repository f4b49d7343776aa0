using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

/// <summary>Sizes from the volume, unused disks, snapshots and source cleanup (QemuMigrate's volume handling).</summary>
public class MigrationVolumesTests
{
    private const string Disk0 = "local:100/vm-100-disk-0.qcow2";
    private const string Disk1 = "local:100/vm-100-disk-1.raw";

    // scsi0 has no size=, scsi1 a stale one; the volumes are 4G and 8G.
    private const string SizelessConfig =
        "boot: order=scsi0\nmemory: 2048\nscsi0: local:100/vm-100-disk-0.qcow2,discard=on\nscsi1: local:100/vm-100-disk-1.raw,size=123T\n";

    [Fact]
    public void Sizes_come_from_the_volumes_and_the_config_is_corrected_with_proxmox_log_lines()
    {
        var facts = Facts(SizelessConfig, running: false, volumes: [Info(Disk0, 4 * GiB), Info(Disk1, 8 * GiB)]);
        var (plan, error, info) = MigrationChecks.Prepare(Request(online: false), facts, Upid);
        Assert.Null(error);
        Assert.Equal([4 * GiB, 8 * GiB], plan!.Disks.Select(d => d.SizeBytes));
        var cfg = QmConfig.Parse(plan.NewConfigText);
        Assert.Equal("local:100/vm-100-disk-0.qcow2,discard=on,size=4G", cfg["scsi0"]);
        Assert.Equal("local:100/vm-100-disk-1.raw,size=8G", cfg["scsi1"]);
        Assert.Contains("drive 'scsi0': size of disk 'local:100/vm-100-disk-0.qcow2' updated from 0T to 4G", info);
        Assert.Contains("drive 'scsi1': size of disk 'local:100/vm-100-disk-1.raw' updated from 123T to 8G", info);

        // the copy allocates the real size on the target
        var h = MigrationHarness.Started(Request(online: false), facts).Run();
        Assert.Equal([4 * GiB, 8 * GiB], h.Steps.OfType<CopyDisk>().Select(c => c.SizeBytes));
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Live_mirrors_allocate_the_real_size()
    {
        var facts = Facts(SizelessConfig, volumes: [Info(Disk0, 4 * GiB), Info(Disk1, 8 * GiB)]);
        var h = MigrationHarness.Started(Request(withLocalDisks: true), facts).Run();
        Assert.Equal([4 * GiB, 8 * GiB], h.Step<AllocateVolumes>("alloc").Volumes.Select(v => v.SizeBytes));
        Assert.Contains("size=4G", QmConfig.Parse(h.S.Plan!.IncomingConfigText)["scsi0"]);
    }

    [Fact]
    public void Unused_disk_is_copied_offline_beside_a_live_migration_and_renamed_in_the_config()
    {
        var cfg = SizelessConfig + "unused0: local:100/vm-100-disk-2.qcow2\n";
        var facts = Facts(cfg, volumes: [Info(Disk0, 4 * GiB), Info(Disk1, 8 * GiB), Info("local:100/vm-100-disk-2.qcow2", GiB)],
            targetVolumes: ["local:100/vm-100-disk-2.qcow2"]);
        var h = MigrationHarness.Started(Request(withLocalDisks: true), facts).Run();
        var copy = h.Step<CopyDisk>("copy:unused0");
        Assert.Equal(("local:100/vm-100-disk-2.qcow2", "local:100/vm-100-disk-3.qcow2", GiB), (copy.SrcVolid, copy.DstVolid, copy.SizeBytes));
        Assert.True(h.Ran.IndexOf("copy:unused0") < h.Ran.IndexOf("incoming"));
        Assert.DoesNotContain(h.Step<StartMirrors>("mirror-start").Jobs, j => j.Drive == "unused0");
        Assert.Contains("found local disk 'local:100/vm-100-disk-2.qcow2' (unused)", h.Text);
        Assert.Equal("local:100/vm-100-disk-3.qcow2", QmConfig.Parse(h.S.Plan!.NewConfigText)["unused0"]);
        Assert.Contains("local:100/vm-100-disk-2.qcow2", h.Step<DeleteVolumes>("free-source").Volids);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    private const string SnapshotConfig =
        "boot: order=scsi0\nmemory: 2048\nparent: s1\nscsi0: local:100/vm-100-disk-0.qcow2,size=4G\n\n" +
        "[s1]\nboot: order=scsi0\nmemory: 1024\nscsi0: local:100/vm-100-disk-0.qcow2,size=4G\nscsi1: local:100/vm-100-disk-7.qcow2,size=2G\nsnaptime: " +
            "1700000000\n";

    [Fact]
    public void Offline_migration_with_snapshots_copies_the_files_and_moves_the_snapshot_sections()
    {
        var facts = Facts(SnapshotConfig, running: false,
            volumes: [Info(Disk0, 4 * GiB, snapshots: "s1"), Info("local:100/vm-100-disk-7.qcow2", 2 * GiB, snapshots: "s1")]);
        var h = MigrationHarness.Started(Request(online: false, targetStorage: "fast"), facts).Run();
        Assert.Equal("OK", h.Core.ExitStatus);
        var copies = h.Steps.OfType<CopyDisk>().ToList();
        Assert.Equal(["fast:100/vm-100-disk-0.qcow2", "fast:100/vm-100-disk-7.qcow2"], copies.Select(c => c.DstVolid));
        Assert.All(copies, c => Assert.True(c.WithSnapshots));
        Assert.Contains("found local disk 'local:100/vm-100-disk-7.qcow2' (referenced by snapshot(s))", h.Text);
        var moved = QmConfig.Parse(h.Step<MoveVm>("owner").ConfigText);
        Assert.Equal("fast:100/vm-100-disk-0.qcow2,size=4G", moved["scsi0"]);
        Assert.Equal("s1", moved["parent"]);
        var s1 = moved.Snapshot("s1")!;
        Assert.Equal("fast:100/vm-100-disk-0.qcow2,size=4G", s1["scsi0"]);
        Assert.Equal("fast:100/vm-100-disk-7.qcow2,size=2G", s1["scsi1"]);
        Assert.Equal("1024", s1["memory"]);
    }

    [Fact]
    public void Volume_without_snapshots_is_converted_as_before()
    {
        var h = MigrationHarness.Started(Request(online: false), Facts(LocalConfig, running: false)).Run();
        Assert.All(h.Steps.OfType<CopyDisk>(), c => Assert.False(c.WithSnapshots));
    }

    [Fact]
    public void Shared_storage_vm_with_snapshots_migrates_live()
    {
        var cfg = SharedConfig + "parent: s1\n\n[s1]\nscsi0: nfs-shared:100/vm-100-disk-0.qcow2,size=32G\nsnaptime: 1700000000\n";
        var h = MigrationHarness.Started(Request(), Facts(cfg)).Run();
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.True(h.S.Plan!.Online);
        Assert.Equal("s1", QmConfig.Parse(h.Step<MoveVm>("owner").ConfigText)["parent"]);
    }

    [Fact]
    public void Cloud_init_image_in_a_snapshot_does_not_block_a_live_migration()
    {
        var cfg = SharedConfig.Replace("nfs-shared:iso/debian-12.iso,media=cdrom,size=631M", "local:100/vm-100-cloudinit.qcow2,media=cdrom") +
                  "parent: s1\n\n[s1]\nide2: local:100/vm-100-cloudinit.qcow2,media=cdrom\nscsi0: nfs-shared:100/vm-100-disk-0.qcow2,size=32G\n";
        var (plan, error, _) = MigrationChecks.Prepare(Request(), Facts(cfg), Upid);
        Assert.Null(error);
        Assert.False(Assert.Single(plan!.Disks).Live);
    }

    [Fact]
    public void Cleanup_goes_on_past_a_failed_delete_and_ends_with_problems_naming_each_volume()
    {
        var h = MigrationHarness.Started(Request(online: false), Facts(LocalConfig, running: false)).Run(stopAt: "free-source");
        h.Succeed("free-source", new VolumesDeleted([new VolumeDeleteFailure(Disk0, "volume is busy")]));
        h.Run();
        Assert.True(h.Core.PastPointOfNoReturn);
        Assert.Contains($"removed source volume '{Disk1}'", h.Text);
        Assert.Contains($"ERROR: removing local copy of '{Disk0}' failed - volume is busy", h.Text);
        Assert.Equal("unlock", h.Ran[^1]);
        Assert.Equal("migration problems", h.Core.ExitStatus);
        Assert.Equal("TASK ERROR: migration problems", h.Log[^1]);
        Assert.True(h.Step<DeleteVolumes>("free-source").GoOnPastFailures);
    }

    [Fact]
    public void Cleanup_without_failures_ends_ok()
    {
        var h = MigrationHarness.Started(Request(online: false), Facts(LocalConfig, running: false)).Run(stopAt: "free-source");
        h.Succeed("free-source", new VolumesDeleted([]));
        h.Run();
        Assert.Equal("OK", h.Core.ExitStatus);
    }
}

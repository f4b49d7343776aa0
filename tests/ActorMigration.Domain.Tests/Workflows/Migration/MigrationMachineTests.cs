using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

public partial class MigrationMachineTests
{
    private static readonly string[] OnlineShared =
        ["lock", "prepare", "incoming", "migrate", "precopy", "confirm-target", "owner", "resume-target", "stop-source", "unlock"];

    private static readonly string[] OnlineLocal =
    [
        "lock", "prepare", "alloc", "incoming", "mirror-start", "mirror-ready", "migrate", "precopy", "mirror-finish", "nbd-stop", "confirm-target",
        "owner", "resume-target", "stop-source", "free-source", "unlock",
    ];

    private static MigrationHarness OnlineSharedRun() => MigrationHarness.Started(Request(), Facts(SharedConfig));

    private static MigrationHarness OnlineLocalRun() =>
        MigrationHarness.Started(Request(withLocalDisks: true, targetStorage: "fast"), Facts(LocalConfig));

    private static MigrationHarness OfflineLocalRun() =>
        MigrationHarness.Started(Request(online: false), Facts(LocalConfig, running: false));

    [Fact]
    public void Start_logs_nothing_yet_and_asks_for_the_lock_first()
    {
        var h = OnlineSharedRun();
        Assert.True(h.Core.Started);
        Assert.False(h.Core.Accepted);
        Assert.Equal(MigrationHarness.T0, h.Core.StartedAt);
        var lockStep = Assert.IsType<LockVm>(h.Next);
        Assert.Equal((100, "migrate", "node1"), (lockStep.VmId, lockStep.Lock, lockStep.Node));
        Assert.True(lockStep.IsGate);
        Assert.Equal("prepare", h.S.Phase);
        // a second start changes nothing
        Assert.Empty(h.Feed(new StartWorkflow(Request(), h.Now)));
    }

    [Fact]
    public void Online_without_local_disks()
    {
        var h = OnlineSharedRun().Run();
        Assert.Equal(OnlineShared, h.Ran);
        Assert.True(h.Core.Finished);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Equal("TASK OK", h.Log[^1]);
        Assert.Equal("migration finished successfully (duration 00:00:10)", h.Text[^2]);
        Assert.Single(h.Of<TaskAccepted>());
        Assert.Single(h.Of<PointOfNoReturnPassed>());
        Assert.Single(h.Of<TaskFinished>());
        Assert.Equal(["prepare", "start-incoming", "precopy-iterations", "stop-and-copy", "cleanup", "done"], h.Phases);

        Assert.Equal(
        [
            "starting migration of VM 100 to node 'node2' (10.0.0.2)",
            "starting VM 100 on remote node 'node2'",
            "start remote tunnel",
            "migration listens on tcp:10.0.0.2:60000",
            "starting online/live migration on tcp:10.0.0.2:60000",
            "set migration capabilities",
            "migration downtime limit: 100 ms",
            "migration speed limit: unlimited",
            "set migration parameters",
            "start migrate command to tcp:10.0.0.2:60000",
            "average migration speed: 512.0 MiB/s - downtime 45 ms",
            "migration status: completed",
            "moved VM 100 config to node 'node2'",
            "resumed VM 100 on node 'node2'",
            "migration finished successfully (duration 00:00:10)",
            "TASK OK",
        ], h.Text);

        var incoming = h.Step<StartVm>("incoming");
        Assert.Equal("node2", incoming.Node);
        Assert.Equal(new IncomingSpec("10.0.0.2", []).ListenHost, incoming.Incoming!.ListenHost);
        Assert.Empty(incoming.Incoming.NbdDrives);
        Assert.Equal(Upid, incoming.Tag);
        var incomingCfg = QmConfig.Parse(incoming.ConfigText);
        Assert.Equal("pc-i440fx-8.1+pve0", incomingCfg["machine"]);
        Assert.Null(incomingCfg.Lock);

        var migrate = h.Step<StartMigration>("migrate");
        Assert.Equal(("node1", "tcp:10.0.0.2:60000", null, 100L),
            (migrate.Node, migrate.Spec.Uri, migrate.Spec.MaxBandwidthBytesPerSec, migrate.Spec.DowntimeLimitMs));

        var move = h.Step<MoveVm>("owner");
        Assert.Equal(("node1", "node2"), (move.From, move.To));
        var moved = QmConfig.Parse(move.ConfigText);
        Assert.Null(moved.Lock);
        Assert.Null(moved["machine"]);
        Assert.Equal("nfs-shared:100/vm-100-disk-0.qcow2,iothread=1,size=32G", moved["scsi0"]);

        Assert.Equal("node2", h.Step<ResumeVm>("resume-target").Node);
        Assert.Equal("node1", h.Step<StopVm>("stop-source").Node);

        Assert.Equal(new MigrationStats(2 * GiB, 4000, 45, 3), h.S.Stats);
        Assert.Equal("tcp:10.0.0.2:60000", h.S.IncomingUri);
    }

    [Fact]
    public void Online_with_local_disks()
    {
        var h = OnlineLocalRun().Run();
        Assert.Equal(OnlineLocal, h.Ran);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Equal(["prepare", "start-incoming", "precopy-iterations", "stop-and-copy", "cleanup", "done"], h.Phases);

        var alloc = h.Step<AllocateVolumes>("alloc");
        Assert.Equal("node2", alloc.Node);
        Assert.Equal(
            [new VolumeAlloc("fast:100/vm-100-disk-0.qcow2", "qcow2", 32 * GiB), new VolumeAlloc("fast:100/vm-100-disk-1.raw", "raw", 4 * GiB)],
            alloc.Volumes);

        Assert.Equal(["scsi0", "scsi1"], h.Step<StartVm>("incoming").Incoming!.NbdDrives);

        var mirrors = h.Step<StartMirrors>("mirror-start");
        Assert.Equal("node1", mirrors.Node);
        Assert.Equal(["scsi0", "scsi1"], mirrors.Jobs.Select(j => j.Drive));
        Assert.Equal(["nbd:10.0.0.2:60001:exportname=drive-scsi0", "nbd:10.0.0.2:60001:exportname=drive-scsi1"], mirrors.Jobs.Select(j => j.Target.Target));
        Assert.All(mirrors.Jobs, j => Assert.Equal("raw", j.Target.Format));

        var finish = h.Step<FinishMirrors>("mirror-finish");
        Assert.Equal(["scsi0", "scsi1"], finish.Drives);
        Assert.False(finish.Pivot);
        Assert.Equal("node2", h.Step<StopNbd>("nbd-stop").Node);

        var free = h.Step<DeleteVolumes>("free-source");
        Assert.Equal("node1", free.Node);
        Assert.Equal(["local:100/vm-100-disk-0.qcow2", "local:100/vm-100-disk-1.raw"], free.Volids);

        var moved = QmConfig.Parse(h.Step<MoveVm>("owner").ConfigText);
        Assert.Equal("fast:100/vm-100-disk-0.qcow2,discard=on,size=32G", moved["scsi0"]);
        Assert.Equal("fast:100/vm-100-disk-1.raw,size=4G", moved["scsi1"]);
        Assert.Equal("nfs-shared:100/vm-100-disk-2.qcow2,size=8G", moved["scsi2"]);

        Assert.Contains("found local disk 'local:100/vm-100-disk-0.qcow2' (attached)", h.Text);
        Assert.Contains("volume 'local:100/vm-100-disk-1.raw' is 'fast:100/vm-100-disk-1.raw' on the target", h.Text);
        Assert.Contains("scsi0: start migration to nbd:10.0.0.2:60001:exportname=drive-scsi0", h.Text);
        Assert.Contains("drive-scsi1: transferred 4.0 GiB of 4.0 GiB (100.00%), ready", h.Text);
        Assert.Contains("all 'mirror' jobs are ready", h.Text);
        Assert.Contains("drive-scsi0: Completed successfully.", h.Text);
        Assert.Contains("removed source volume 'local:100/vm-100-disk-1.raw'", h.Text);
        Assert.Equal("migration finished successfully (duration 00:00:16)", h.Text[^2]);
    }

    [Fact]
    public void Offline_with_local_disks()
    {
        var h = OfflineLocalRun().Run();
        Assert.Equal(["lock", "prepare", "copy:scsi0", "copy:scsi1", "owner", "free-source", "unlock"], h.Ran);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Equal(["prepare", "copy-disks", "move-config", "cleanup", "done"], h.Phases);

        var copy = h.Step<CopyDisk>("copy:scsi0");
        Assert.Equal(("node1", "node2", "local:100/vm-100-disk-0.qcow2", "local:100/vm-100-disk-0.qcow2", "qcow2", 32 * GiB),
            (copy.SourceNode, copy.TargetNode, copy.SrcVolid, copy.DstVolid, copy.Format, copy.SizeBytes));
        Assert.DoesNotContain(h.Steps, s => s is StartVm or StartMigration or ResumeVm or StopVm);
        Assert.Contains("copying local disk images", h.Text);
        Assert.DoesNotContain(h.Text, l => l.StartsWith("starting VM"));
        Assert.Contains("local:100/vm-100-disk-0.qcow2: transferred 32.0 GiB of 32.0 GiB (100.00%)", h.Text);
        Assert.Contains("volume 'local:100/vm-100-disk-1.raw' copied to 'local:100/vm-100-disk-1.raw' on node 'node2'", h.Text);
        Assert.Equal("migration finished successfully (duration 00:00:07)", h.Text[^2]);
    }

    [Fact]
    public void Offline_without_local_disks_only_moves_the_config()
    {
        var h = MigrationHarness.Started(Request(online: false), Facts(SharedConfig, running: false)).Run();
        Assert.Equal(["lock", "prepare", "owner", "unlock"], h.Ran);
        Assert.Equal(["prepare", "move-config", "cleanup", "done"], h.Phases);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Online_request_for_a_stopped_vm_migrates_offline()
    {
        var h = MigrationHarness.Started(Request(online: true), Facts(LocalConfig, running: false)).Run();
        Assert.Equal(["lock", "prepare", "copy:scsi0", "copy:scsi1", "owner", "free-source", "unlock"], h.Ran);
        Assert.False(h.S.Plan!.Online);
        Assert.False(h.S.Plan.Running);
    }

    [Fact]
    public void Online_unused_local_disk_is_copied_before_the_live_part()
    {
        var cfg = SharedConfig + "unused0: local:100/vm-100-disk-5.qcow2\n";
        var h = MigrationHarness.Started(Request(), Facts(cfg)).Run();
        Assert.Equal(["lock", "prepare", "copy:unused0", "incoming", "migrate", "precopy", "confirm-target", "owner", "resume-target",
            "stop-source", "free-source", "unlock"], h.Ran);
        Assert.Contains("found local disk 'local:100/vm-100-disk-5.qcow2' (unused)", h.Text);
        Assert.Equal(["prepare", "start-incoming", "precopy-iterations", "stop-and-copy", "cleanup", "done"], h.Phases);
        Assert.Equal("local:100/vm-100-disk-5.qcow2", QmConfig.Parse(h.Step<MoveVm>("owner").ConfigText)["unused0"]);
    }

    [Fact]
    public void Conntrack_state_is_transferred_before_the_owner_move()
    {
        var h = MigrationHarness.Started(Request(conntrack: true, withLocalDisks: true, targetStorage: "fast"), Facts(LocalConfig)).Run();
        Assert.Equal(OnlineLocal.Take(11).Append("conntrack").Concat(OnlineLocal.Skip(11)), h.Ran);
        Assert.Equal(["prepare", "start-incoming", "precopy-iterations", "stop-and-copy", "conntrack-transfer", "cleanup", "done"], h.Phases);
        Assert.Equal(12, h.S.ConntrackEntries);
        Assert.Contains("migrated 12 conntrack state entries", h.Text);
        var t = h.Step<TransferConntrack>("conntrack");
        Assert.Equal(("node1", "node2"), (t.Source, t.Target));
    }

    [Fact]
    public void Bandwidth_limit_goes_to_mirrors_and_migration_in_bytes()
    {
        var h = MigrationHarness.Started(Request(withLocalDisks: true, bwlimit: 102400), Facts(LocalConfig)).Run();
        Assert.All(h.Step<StartMirrors>("mirror-start").Jobs, j => Assert.Equal(104857600L, j.Target.BandwidthBytesPerSec));
        Assert.Equal(104857600L, h.Step<StartMigration>("migrate").Spec.MaxBandwidthBytesPerSec);
        Assert.Contains("migration speed limit: 100.0 MiB/s", h.Text);
    }
}

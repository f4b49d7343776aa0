using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Migration;
using static ActorMigration.Domain.Tests.Workflows.Migration.Scenario;

namespace ActorMigration.Domain.Tests.Workflows.Migration;

public class MigrationMachineTests
{
    private static readonly string[] OnlineShared =
        ["lock", "prepare", "incoming", "migrate", "precopy", "owner", "resume-target", "stop-source", "unlock"];

    private static readonly string[] OnlineLocal =
    [
        "lock", "prepare", "alloc", "incoming", "mirror-start", "mirror-ready", "migrate", "precopy", "mirror-finish", "nbd-stop",
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
        Assert.Equal("migration finished successfully (duration 00:00:09)", h.Text[^2]);
        Assert.Single(h.Of<TaskAccepted>());
        Assert.Single(h.Of<PointOfNoReturnPassed>());
        Assert.Single(h.Of<TaskFinished>());
        Assert.Equal(["prepare", "start-incoming", "precopy-iterations", "cleanup", "done"], h.Phases);

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
            "migration finished successfully (duration 00:00:09)",
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
        Assert.Equal("migration finished successfully (duration 00:00:15)", h.Text[^2]);
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
        Assert.Equal(["lock", "prepare", "copy:unused0", "incoming", "migrate", "precopy", "owner", "resume-target", "stop-source", "free-source",
            "unlock"], h.Ran);
        Assert.Contains("found local disk 'local:100/vm-100-disk-5.qcow2' (unused)", h.Text);
        Assert.Equal(["prepare", "start-incoming", "precopy-iterations", "cleanup", "done"], h.Phases);
        Assert.Equal("local:100/vm-100-disk-5.qcow2", QmConfig.Parse(h.Step<MoveVm>("owner").ConfigText)["unused0"]);
    }

    [Fact]
    public void Conntrack_state_is_transferred_before_the_owner_move()
    {
        var h = MigrationHarness.Started(Request(conntrack: true, withLocalDisks: true, targetStorage: "fast"), Facts(LocalConfig)).Run();
        Assert.Equal(OnlineLocal.Take(10).Append("conntrack").Concat(OnlineLocal.Skip(10)), h.Ran);
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

    // ---- rollback before the point of no return ----

    [Fact]
    public void Abort_after_the_target_started_rolls_everything_back()
    {
        var h = OnlineLocalRun().Run(stopAt: "mirror-ready");
        Assert.NotEmpty(h.Abort());
        Assert.True(h.Core.RollingBack);
        Assert.Equal("rollback", h.S.Phase);
        Assert.Equal("received interrupt", h.Core.Error);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-mirrors", "rb-stop-target", "rb-free-target", "rb-resume-source", "rb-unlock"],
            h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
        Assert.Equal(["lock", "prepare", "alloc", "incoming", "mirror-start"], h.Ran.TakeWhile(k => !k.StartsWith("rb-")));

        Assert.Equal("node1", h.Step<CancelMigration>("rb-cancel").Node);
        Assert.Equal(["scsi0", "scsi1"], h.Step<FinishMirrors>("rb-mirrors").Drives);
        Assert.False(h.Step<FinishMirrors>("rb-mirrors").Pivot);
        Assert.Equal("node2", h.Step<StopVm>("rb-stop-target").Node);
        var free = h.Step<DeleteVolumes>("rb-free-target");
        Assert.Equal("node2", free.Node);
        Assert.Equal(["fast:100/vm-100-disk-0.qcow2", "fast:100/vm-100-disk-1.raw"], free.Volids);
        Assert.Equal("node1", h.Step<ResumeVm>("rb-resume-source").Node);

        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Equal("ERROR: migration aborted (duration 00:00:12): received interrupt", h.Text[^2]);
        Assert.Equal("TASK ERROR: migration aborted", h.Log[^1]);
        Assert.DoesNotContain(h.Steps, s => s is MoveVm);
    }

    [Fact]
    public void Abort_before_the_target_started_skips_cancel_mirrors_and_resume()
    {
        var h = OnlineLocalRun().Run(stopAt: "alloc");
        h.Abort();
        h.Run();
        Assert.Equal(["lock", "prepare", "rb-stop-target", "rb-free-target", "rb-unlock"], h.Ran);
    }

    [Fact]
    public void Abort_during_an_offline_copy_frees_the_target_volumes()
    {
        var h = OfflineLocalRun().Run(stopAt: "copy:scsi1");
        h.Abort();
        h.Run();
        Assert.Equal(["lock", "prepare", "copy:scsi0", "rb-free-target", "rb-unlock"], h.Ran);
        Assert.Equal(["local:100/vm-100-disk-0.qcow2", "local:100/vm-100-disk-1.raw"], h.Step<DeleteVolumes>("rb-free-target").Volids);
        Assert.Equal("node2", h.Step<DeleteVolumes>("rb-free-target").Node);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Abort_while_waiting_for_the_lock_only_unlocks()
    {
        var h = OnlineSharedRun();
        h.Abort();
        Assert.Equal("rb-unlock", h.Next!.Key);
        h.Run();
        Assert.Equal(["rb-unlock"], h.Ran);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Second_abort_and_abort_after_the_end_are_ignored()
    {
        var h = OnlineSharedRun().Run(stopAt: "migrate");
        Assert.NotEmpty(h.Abort());
        Assert.Empty(h.Abort());
        h.Run();
        Assert.Empty(h.Abort());
        Assert.Single(h.Of<WorkflowFailed>());
        Assert.Single(h.Of<TaskFinished>());

        var notStarted = new MigrationHarness(Facts(SharedConfig));
        Assert.Empty(notStarted.Abort());
    }

    [Fact]
    public void Abort_after_the_point_of_no_return_is_ignored()
    {
        var h = OnlineLocalRun().Run(stopAt: "resume-target");
        Assert.True(h.Core.PastPointOfNoReturn);
        Assert.Empty(h.Abort());
        h.Run();
        Assert.Equal(OnlineLocal, h.Ran);
        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Null(h.Core.Error);
    }

    [Fact]
    public void A_final_step_failure_before_the_point_of_no_return_rolls_back_with_its_reason()
    {
        var h = OnlineLocalRun().Run(stopAt: "precopy");
        var events = h.Fail("migration status error: failed - Unable to write to socket: Broken pipe");
        Assert.Contains(events, e => e is WorkflowFailed);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-mirrors", "rb-stop-target", "rb-free-target", "rb-resume-source", "rb-unlock"],
            h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
        Assert.Equal("ERROR: migration aborted (duration 00:00:14): migration status error: failed - Unable to write to socket: Broken pipe", h.Text[^2]);
    }

    [Fact]
    public void Failed_owner_move_is_still_before_the_point_of_no_return()
    {
        var h = OnlineSharedRun().Run(stopAt: "owner");
        h.Fail("VM is locked (backup)");
        Assert.True(h.Core.RollingBack);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-stop-target", "rb-resume-source", "rb-unlock"], h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Failing_rollback_steps_are_warnings_and_the_rollback_goes_on()
    {
        var h = OnlineLocalRun().Run(stopAt: "migrate");
        h.Abort();
        h.Run(stopAt: "rb-stop-target");
        var events = h.Fail("VM 100 not running on node2", final: true);
        Assert.Contains(events, e => e is TaskWarned);
        Assert.Contains(events, e => e is StepCompleted { Key: "rb-stop-target" });
        h.Run();
        Assert.Contains("WARN: VM 100 not running on node2", h.Text);
        Assert.Equal(1, h.Core.Warnings);
        Assert.Equal("rb-unlock", h.Ran[^1]);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
        Assert.Equal("received interrupt", h.Core.Error);
    }

    // ---- retries ----

    [Fact]
    public void Transient_failures_are_retried_up_to_max_attempts()
    {
        var h = OnlineSharedRun().Run(stopAt: "incoming");
        var step = h.Next!;
        Assert.Equal(3, step.MaxAttempts);
        Assert.Equal([new StepAttemptFailed("incoming", "timeout waiting for incoming")], h.Fail("timeout waiting for incoming", final: false));
        Assert.Equal(1, h.Core.AttemptsOf("incoming"));
        h.Fail("timeout waiting for incoming", final: false);
        Assert.Equal(2, h.Core.AttemptsOf("incoming"));
        Assert.False(h.Core.RollingBack);
        h.Succeed("incoming");
        Assert.Equal(0, h.Core.AttemptsOf("incoming"));
        h.Run();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void The_last_allowed_attempt_failing_fails_the_workflow()
    {
        var h = OnlineSharedRun().Run(stopAt: "incoming");
        h.Fail("e1", final: false);
        h.Fail("e2", final: false);
        var events = h.Fail("e3", final: false);
        Assert.Equal([new WorkflowFailed("e3", h.Now)], events);
        Assert.True(h.Core.RollingBack);
        h.Run();
        Assert.Equal("ERROR: migration aborted (duration 00:00:07): e3", h.Text[^2]);
        Assert.Equal(["rb-stop-target", "rb-unlock"], h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
    }

    [Fact]
    public void A_final_refusal_is_not_retried()
    {
        var h = OnlineSharedRun().Run(stopAt: "incoming");
        h.Fail("storage 'fast' is not available", final: true);
        Assert.True(h.Core.RollingBack);
        Assert.Empty(h.Of<StepAttemptFailed>());
    }

    [Fact]
    public void Migration_polling_tolerates_ten_attempts()
    {
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        Assert.Equal(10, h.Next!.MaxAttempts);
        for (var i = 0; i < 9; i++) h.Fail("query-migrate timed out", final: false);
        Assert.False(h.Core.RollingBack);
        Assert.Equal(9, h.Core.AttemptsOf("precopy"));
        h.Fail("query-migrate timed out", final: false);
        Assert.True(h.Core.RollingBack);
    }

    // ---- after the point of no return ----

    [Fact]
    public void Failures_after_the_point_of_no_return_finish_with_problems()
    {
        var h = OnlineLocalRun().Run(stopAt: "resume-target");
        h.Fail("resume failed: VM 100 qmp command 'cont' failed - got timeout", final: false);
        Assert.False(h.Core.RollingBack);
        var events = h.Fail("resume failed: VM 100 qmp command 'cont' failed - got timeout", final: true);
        Assert.Contains(events, e => e is WorkflowFailed);
        Assert.False(h.Core.RollingBack);
        h.Run();
        Assert.Equal(OnlineLocal.Except(["resume-target"]), h.Ran);
        Assert.Contains("ERROR: resume failed: VM 100 qmp command 'cont' failed - got timeout", h.Text);
        Assert.Equal("migration problems", h.Core.ExitStatus);
        Assert.Equal("ERROR: migration finished with problems (duration 00:00:16)", h.Text[^2]);
        Assert.Equal("TASK ERROR: migration problems", h.Log[^1]);
    }

    [Fact]
    public void Every_failure_after_the_point_of_no_return_is_logged_and_the_first_is_kept()
    {
        var h = OnlineLocalRun().Run(stopAt: "stop-source");
        h.Fail("stop failed");
        h.Fail("unable to remove volume", expectKey: "free-source");
        h.Run();
        Assert.Equal("stop failed", h.Core.Error);
        Assert.Contains("ERROR: stop failed", h.Text);
        Assert.Contains("ERROR: unable to remove volume", h.Text);
        Assert.Equal("unlock", h.Ran[^1]);
        Assert.Equal("migration problems", h.Core.ExitStatus);
    }

    // ---- progress ----

    private static StepResult Active(long transferred, double speed, long dirtySync = 1, long dirtyPages = 0, long total = 2 * GiB) =>
        new MigrationPolled(new MigrationProgress(MigrationState.Active, total, transferred, total - transferred, speed,
            DirtyPagesRate: dirtyPages, DirtySyncCount: dirtySync, ExpectedDowntimeMs: 80));

    [Fact]
    public void Migration_progress_is_logged_at_most_once_a_second()
    {
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        var step = h.Next!;
        var t = h.Now;
        IReadOnlyList<IWorkflowEvent> At(double s, StepResult r) => h.Feed(new StepSucceeded(step, r, t + TimeSpan.FromSeconds(s)));

        Assert.Empty(At(0.5, Active(256L << 20, 100 << 20)));
        var first = Assert.Single(At(1.0, Active(512L << 20, 100 << 20)));
        Assert.EndsWith(" migration active, transferred 512.0 MiB of 2.0 GiB VM-state, 100.0 MiB/s", Assert.Single(((TaskLogged)first).Lines));
        Assert.Empty(At(1.5, Active(600L << 20, 100 << 20)));
        Assert.Empty(At(1.99, Active(700L << 20, 100 << 20)));
        var second = Assert.Single(At(2.0, Active(1536L << 20, 110 << 20, dirtySync: 2, dirtyPages: 2560)));
        Assert.Equal(
            ["migration active, transferred 1.5 GiB of 2.0 GiB VM-state, 110.0 MiB/s",
             "migration iteration 2, remaining 512.0 MiB, dirty rate 10.0 MiB/s, expected downtime 80 ms"],
            ((TaskLogged)second).Lines.Select(l => l[20..]));
        Assert.Equal("precopy", h.Next!.Key);
        Assert.Equal("precopy-iterations", h.S.Phase);
    }

    [Fact]
    public void Setup_state_and_unknown_totals_log_nothing()
    {
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        var step = h.Next!;
        Assert.Empty(h.Feed(new StepSucceeded(step, new MigrationPolled(new MigrationProgress(MigrationState.Setup)), h.Now.AddSeconds(5))));
        Assert.Empty(h.Feed(new StepSucceeded(step, new MigrationPolled(new MigrationProgress(MigrationState.Active, 0, 0)), h.Now.AddSeconds(10))));
    }

    [Theory]
    [InlineData(MigrationState.Failed, "Unable to write to socket", "migration status error: failed - Unable to write to socket")]
    [InlineData(MigrationState.Cancelled, null, "migration status error: cancelled")]
    [InlineData(MigrationState.None, null, "migration not active on source")]
    public void Migration_errors_roll_back(MigrationState state, string? error, string reason)
    {
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        h.Succeed("precopy", new MigrationPolled(new MigrationProgress(state, Error: error)));
        Assert.True(h.Core.RollingBack);
        Assert.Equal(reason, h.Core.Error);
        h.Run();
        Assert.Equal(["rb-cancel", "rb-stop-target", "rb-resume-source", "rb-unlock"], h.Ran.SkipWhile(k => !k.StartsWith("rb-")));
    }

    [Fact]
    public void Mirror_progress_and_mirror_errors()
    {
        var h = OnlineLocalRun().Run(stopAt: "mirror-ready");
        var step = h.Next!;
        var t = h.Now;
        var half = new MirrorsPolled([new BlockJobInfo("scsi0", "mirror", 32 * GiB, 8 * GiB, false, "running"),
            new BlockJobInfo("scsi1", "mirror", 4 * GiB, 4 * GiB, true, "ready")]);
        Assert.Empty(h.Feed(new StepSucceeded(step, half, t.AddMilliseconds(500))));
        var logged = Assert.IsType<TaskLogged>(Assert.Single(h.Feed(new StepSucceeded(step, half, t.AddSeconds(1)))));
        Assert.Equal(["drive-scsi0: transferred 8.0 GiB of 32.0 GiB (25.00%)", "drive-scsi1: transferred 4.0 GiB of 4.0 GiB (100.00%), ready"],
            logged.Lines.Select(l => l[20..]));
        Assert.Equal("mirror-ready", h.Next!.Key);
        Assert.Equal("start-incoming", h.S.Phase);

        var broken = new MirrorsPolled([new BlockJobInfo("scsi0", "mirror", 32 * GiB, 9 * GiB, false, "running", "No space left on device")]);
        h.Feed(new StepSucceeded(step, broken, t.AddSeconds(2)));
        Assert.Equal("mirroring error: drive-scsi0: No space left on device", h.Core.Error);
        Assert.True(h.Core.RollingBack);

        var h2 = OnlineLocalRun().Run(stopAt: "mirror-ready");
        h2.Succeed("mirror-ready", new MirrorsPolled([new BlockJobInfo("scsi0", "mirror", 32 * GiB, 9 * GiB, false, "concluded"),
            new BlockJobInfo("scsi1", "mirror", 4 * GiB, 4 * GiB, true, "ready")]));
        Assert.Equal("mirroring error: drive-scsi0: concluded", h2.Core.Error);
    }

    [Fact]
    public void Progress_input_of_another_step_is_ignored()
    {
        var h = OfflineLocalRun().Run(stopAt: "copy:scsi0");
        var other = new CopyDisk("copy:scsi1", "node1", "node2", "a", "b", "raw", 1, null);
        var before = h.S;
        Assert.Empty(h.Feed(new StepProgressed(other, new CopyProgressed(1, 2), h.Now)));
        Assert.Equal(before, h.S);
    }

    // ---- the gate ----

    [Fact]
    public void Refused_lock_rejects_the_request_without_a_task()
    {
        var h = OnlineSharedRun();
        var events = h.Fail("VM is locked (backup)", final: true, expectKey: "lock");
        Assert.Equal([new TaskRejected(Upid, "VM is locked (backup)", h.Now)], events);
        Assert.True(h.Core.Rejected);
        Assert.True(h.Core.Finished);
        Assert.False(h.Core.Accepted);
        Assert.Equal("VM is locked (backup)", h.Core.ExitStatus);
        Assert.Null(h.Next);
        Assert.Empty(h.Of<TaskFinished>());
        Assert.Empty(h.Of<TaskAccepted>());
        Assert.Empty(h.Log);
        Assert.Empty(h.Abort());
    }

    [Fact]
    public void Lock_that_keeps_failing_transiently_is_rejected_after_its_attempts()
    {
        var h = OnlineSharedRun();
        h.Fail("cluster not ready - no quorum?", final: false);
        h.Fail("cluster not ready - no quorum?", final: false);
        Assert.False(h.Core.Rejected);
        h.Fail("cluster not ready - no quorum?", final: false);
        Assert.True(h.Core.Rejected);
        Assert.Equal("cluster not ready - no quorum?", h.Core.ExitStatus);
        Assert.Empty(h.Of<TaskFinished>());
    }

    [Fact]
    public void Accepted_lock_is_the_task_acceptance()
    {
        var h = OnlineSharedRun();
        var events = h.Succeed("lock");
        Assert.Equal([new TaskAccepted(h.Now), new StepCompleted("lock")], events);
        Assert.True(h.Core.Accepted);
    }

    [Fact]
    public void Offline_copy_progress_is_logged_at_most_once_a_second()
    {
        var h = OfflineLocalRun().Run(stopAt: "copy:scsi0");
        h.Now += TimeSpan.FromSeconds(2);
        var first = Assert.IsType<TaskLogged>(Assert.Single(h.Progress(new CopyProgressed(8 * GiB, 32 * GiB), "copy:scsi0")));
        Assert.EndsWith("local:100/vm-100-disk-0.qcow2: transferred 8.0 GiB of 32.0 GiB (25.00%)", first.Lines.Single());
        h.Now += TimeSpan.FromMilliseconds(500);
        Assert.Empty(h.Progress(new CopyProgressed(9 * GiB, 32 * GiB), "copy:scsi0"));
        h.Now += TimeSpan.FromMilliseconds(500);
        Assert.Single(h.Progress(new CopyProgressed(10 * GiB, 32 * GiB), "copy:scsi0"));
    }

    [Fact]
    public void Prepare_without_migration_facts_fails_instead_of_finishing_without_a_plan()
    {
        var h = OnlineSharedRun().Run(stopAt: "prepare");
        h.Succeed("prepare", Done.Instance);
        Assert.StartsWith("internal error: prepare returned Done", h.Core.Error);
        h.Run();
        Assert.Equal(["lock", "prepare", "rb-unlock"], h.Ran);
        Assert.Null(h.S.Plan);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    // ---- known bugs ----

    [Fact]
    public void Offline_migration_with_local_devices_needs_force()
    {
        // QemuMigrate::prepare: die "can't migrate VM which uses local devices: ..." if $running || !$opts->{force}
        var h = MigrationHarness.Started(Request(online: false, force: false), Facts(SharedConfig + "hostpci0: 0000:01:00.0\n", running: false)).Run();
        Assert.Equal("can't migrate VM which uses local devices: hostpci0", h.Core.Error);
        Assert.Equal("migration aborted", h.Core.ExitStatus);
    }

    [Fact]
    public void Usb_spice_written_with_its_key_is_not_a_local_device()
    {
        // check_local_resources parses the property string: host=spice (any case) is skipped.
        var h = MigrationHarness.Started(Request(), Facts(SharedConfig + "usb0: host=spice,usb3=1\nusb1: SPICE\n")).Run();
        Assert.Null(h.Core.Error);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Vanished_mirror_jobs_fail_the_migration_instead_of_polling_forever()
    {
        // BlockJob::monitor: die "$job_id: 'mirror' has been cancelled\n" if !defined($job)
        var h = OnlineLocalRun().Run(stopAt: "mirror-ready");
        h.Succeed("mirror-ready", new MirrorsPolled([]));
        Assert.True(h.Core.RollingBack, "an empty query-block-jobs answer must not look like 'still mirroring'");

        var h2 = OnlineLocalRun().Run(stopAt: "mirror-ready");
        h2.Succeed("mirror-ready", new MirrorsPolled([new BlockJobInfo("scsi1", "mirror", 4 * GiB, 4 * GiB, true, "ready")]));
        Assert.True(h2.Core.RollingBack, "scsi0's mirror job vanished, yet the mirrors were declared ready");
    }

    [Fact]
    public void A_successful_poll_resets_the_failure_count()
    {
        // QemuMigrate::phase2 sets $err_count = 0 after every successful query-migrate; here 9 failures spread
        // over a long migration, plus one more, abort a healthy migration.
        var h = OnlineSharedRun().Run(stopAt: "precopy");
        for (var i = 0; i < 9; i++) h.Fail("query-migrate timed out", final: false);
        h.Succeed("precopy", Active(GiB, 100 << 20));
        Assert.Equal(0, h.Core.AttemptsOf("precopy"));
        h.Fail("query-migrate timed out", final: false);
        Assert.False(h.Core.RollingBack);
    }

    [Fact]
    public void One_conntrack_entry_is_singular()
    {
        // QemuMigrate: my $plural = $num != 1 ? "entries" : "entry";
        var h = MigrationHarness.Started(Request(conntrack: true), Facts(SharedConfig));
        h.ConntrackEntries = 1;
        h.Run();
        Assert.Contains("migrated 1 conntrack state entry", h.Text);
    }

    [Fact]
    public void Offline_copy_progress_reaches_the_task_log()
    {
        // The actor feeds copy progress as StepProgressed(CopyProgressed); the machine has no OnProgress, so
        // a long offline copy logs nothing until it ends. Proxmox logs "transferred X of Y (Z%)" while copying.
        var h = OfflineLocalRun().Run(stopAt: "copy:scsi0");
        h.Now += TimeSpan.FromSeconds(2);
        var events = h.Progress(new CopyProgressed(8 * GiB, 32 * GiB), "copy:scsi0");
        var logged = Assert.IsType<TaskLogged>(Assert.Single(events));
        Assert.Contains(logged.Lines, l => l.EndsWith("transferred 8.0 GiB of 32.0 GiB (25.00%)"));
    }
}

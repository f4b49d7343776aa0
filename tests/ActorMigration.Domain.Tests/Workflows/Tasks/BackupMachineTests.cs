using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Backup;

namespace ActorMigration.Domain.Tests.Workflows.Tasks;

/// <summary>vzdump of a stopped VM driven purely through the machine's inputs.</summary>
public sealed class BackupMachineTests
{
    private const string Upid = "UPID:node1:00000001:00000001:6B000000:vzdump:100:root@pam:";
    private const string Archive = "local:backup/vzdump-qemu-100-2024_09_23-21_34_43.tar";
    private const string Config = "memory: 512\nname: web\nparent: s1\nscsi0: local:100/vm-100-disk-0.qcow2,size=4G\n" +
                                  "ide2: local:iso/debian.iso,media=cdrom\ntpmstate0: local:100/vm-100-disk-1.raw,size=4M,version=v2.0\n" +
                                  "efidisk0: local:100/vm-100-disk-2.raw,size=128K\n\n[s1]\nmemory: 256\nsnaptime: 1\n";

    private static readonly BackupRequest Req = new(100, "node1", "local", Archive, "root@pam");

    private static MachineHarness<BackupWorkflowState> Started(bool running = false, string node = "node1", string mode = "snapshot")
    {
        var facts = new VmFacts(MachineHarness<BackupWorkflowState>.Vm(100, Config, node, "backup", Upid),
            new VmRuntime(100, running ? VmRunState.Running : VmRunState.Stopped));
        return new MachineHarness<BackupWorkflowState>(new BackupMachine(), Upid, s => s is GatherVmFacts ? facts : Done.Instance)
            .Start(Req with { Mode = mode });
    }

    private static string Local(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");

    [Fact]
    public void Locks_reads_writes_the_archive_of_the_current_config_and_unlocks()
    {
        var h = Started();
        Assert.Equal("prepare", h.S.Phase);
        Assert.Equal(("backup", 100), (Assert.IsType<LockVm>(h.Next).Lock, ((LockVm)h.Next!).VmId));
        h.Succeed("lock");
        h.Succeed("check");
        Assert.Equal("backup", h.S.Phase);
        h.RunToEnd();
        Assert.Equal(["lock", "check", "archive", "unlock"], h.Ran);

        var archive = h.Step<BackupVm>("archive");
        Assert.Equal(("node1", 100, Archive), (archive.Node, archive.VmId, archive.ArchiveVolid));
        // The TPM state is not in the archive; efidisk0 is, as in vzdump.
        Assert.Equal([new DriveVolume("scsi0", "local:100/vm-100-disk-0.qcow2"), new DriveVolume("efidisk0", "local:100/vm-100-disk-2.raw")],
            archive.Disks.OrderBy(d => d.Drive == "efidisk0"));
        var cfg = QmConfig.Parse(archive.ConfigText);
        Assert.Null(cfg.Lock);
        Assert.Null(cfg["parent"]);
        Assert.Empty(cfg.Snapshots);
        Assert.Equal("512", cfg["memory"]);

        Assert.Equal("OK", h.Core.ExitStatus);
        Assert.Equal(
        [
            // A stopped VM is backed up in stop mode whatever was asked, as vzdump does.
            "INFO: starting new backup job: vzdump 100 --storage local --mode snapshot",
            "INFO: Starting Backup of VM 100 (qemu)",
            $"INFO: Backup started at {Local(MachineHarness<BackupWorkflowState>.T0)}",
            "INFO: status = stopped",
            "INFO: backup mode: stop",
            "INFO: VM Name: web",
        ], h.Core.Log.Take(6));
        Assert.Contains($"INFO: creating vzdump archive '{Archive}'", h.Core.Log);
        Assert.Contains("INFO: include disk 'scsi0' 'local:100/vm-100-disk-0.qcow2'", h.Core.Log);
        Assert.Contains($"INFO: archive file '{Archive}' written", h.Core.Log);
        Assert.Contains("INFO: Finished Backup of VM 100 (00:00:03)", h.Core.Log);
        Assert.Equal("TASK OK", h.Core.Log[^1]);
    }

    [Fact]
    public void A_refused_lock_rejects_the_request()
    {
        var h = Started();
        h.Fail("VM is locked (migrate)", expectKey: "lock");
        Assert.True(h.Core.Rejected);
        Assert.Null(h.Next);
    }

    [Theory]
    [InlineData(false, "node2", "Configuration file 'nodes/node1/qemu-server/100.conf' does not exist")]
    public void A_vm_that_cannot_be_backed_up_fails_and_is_unlocked(bool running, string node, string error)
    {
        var h = Started(running, node);
        h.Succeed("lock");
        h.Succeed("check");
        Assert.Equal("rollback", h.S.Phase);
        h.AssertRecovers();
        h.RunToEnd();
        Assert.Equal(["lock", "check", "rb-archive", "rb-unlock"], h.Ran);
        Assert.Equal([Archive], h.Step<DeleteVolumes>("rb-archive").Volids);
        Assert.Equal("job errors", h.Core.ExitStatus);
        Assert.Contains($"ERROR: Backup of VM 100 failed - {error}", h.Core.Log);
    }

    [Fact]
    public void A_failed_archive_is_removed_again()
    {
        var h = Started();
        h.Succeed("lock");
        h.Succeed("check");
        h.Fail("No space left on device", expectKey: "archive");
        h.RunToEnd();
        Assert.Equal(["lock", "check", "rb-archive", "rb-unlock"], h.Ran);
        Assert.Equal("job errors", h.Core.ExitStatus);
        Assert.Equal("ERROR: Backup of VM 100 failed - No space left on device", h.Core.Log[^3]);
    }

    [Fact]
    public void Progress_is_logged_at_most_once_a_second()
    {
        var h = Started();
        h.Succeed("lock");
        h.Succeed("check");
        Assert.Single(h.Progress(new CopyProgressed(1 << 30, 4L << 30), TimeSpan.FromSeconds(1)));
        Assert.Empty(h.Progress(new CopyProgressed(2L << 30, 4L << 30), TimeSpan.FromMilliseconds(300)));
        Assert.Equal("INFO: 25% (1.0 GiB of 4.0 GiB)", h.Core.Log[^1]);
    }

    [Fact]
    public void Replaying_the_journal_after_any_step_asks_for_the_same_next_step()
    {
        var h = Started();
        while (h.Next is not null)
        {
            h.AssertRecovers();
            h.Succeed();
        }
        h.AssertRecovers();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    private static readonly string Temp = "local:100/vzdump-100-scsi0.qcow2";

    [Fact]
    public void A_running_vm_in_snapshot_mode_is_archived_live_while_it_runs()
    {
        var h = Started(running: true);
        h.RunToEnd();
        Assert.Equal(["lock", "check", "archive", "unlock"], h.Ran);
        var archive = h.Step<BackupVm>("archive");
        Assert.Equal((true, false), (archive.Live, archive.Suspend));
        Assert.Equal(Temp, BackupVm.TempOf(100, archive.Disks[0]));
        Assert.Contains("INFO: status = running", h.Core.Log);
        Assert.Contains("INFO: backup mode: snapshot", h.Core.Log);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void Stop_mode_shuts_the_guest_down_archives_it_offline_and_starts_it_again()
    {
        var h = Started(running: true, mode: "stop");
        h.RunToEnd();
        Assert.Equal(["lock", "check", "shutdown", "archive", "restart", "unlock"], h.Ran);
        Assert.False(h.Step<BackupVm>("archive").Live);
        var start = h.Step<StartVm>("restart");
        // Started from the VM's own config, not the archive's (which has no parent).
        Assert.Equal((100, "node1", "s1"), (start.VmId, start.Node, QmConfig.Parse(start.ConfigText)["parent"]));
        Assert.Contains("INFO: stopping virtual guest", h.Core.Log);
        Assert.Contains("INFO: restarting vm", h.Core.Log);
    }

    [Theory]
    [InlineData("snapshot", "lock check rb-archive rb-unlock", "INFO: started backup task 'vzdump'")]
    [InlineData("suspend", "lock check rb-archive rb-resume rb-unlock", "INFO: suspending guest")]
    [InlineData("stop", "lock check shutdown rb-archive rb-start rb-unlock", "INFO: stopping virtual guest")]
    public void A_failed_archive_of_a_running_vm_is_removed_with_its_copies_and_the_guest_runs_again(string mode, string ran, string logged)
    {
        var h = Started(running: true, mode: mode);
        while (h.Next is not BackupVm) h.Succeed();
        var archive = (BackupVm)h.Next!;
        Assert.Equal((mode != "stop", mode == "suspend"), (archive.Live, archive.Suspend));
        h.Fail("No space left on device", expectKey: "archive");
        h.AssertRecovers();
        h.RunToEnd();
        Assert.Equal(ran.Split(' '), h.Ran);
        // The block job's copies go with the archive (a stop-mode backup made none).
        Assert.Equal(mode == "stop" ? [Archive] : [Archive, Temp, "local:100/vzdump-100-efidisk0.qcow2"],
            h.Step<DeleteVolumes>("rb-archive").Volids);
        Assert.Contains(logged, h.Core.Log);
        Assert.Equal("job errors", h.Core.ExitStatus);
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("suspend")]
    [InlineData("stop")]
    public void Replaying_a_running_vms_backup_after_any_step_asks_for_the_same_next_step(string mode)
    {
        var h = Started(running: true, mode: mode);
        while (h.Next is not null)
        {
            h.AssertRecovers();
            h.Succeed();
        }
        h.AssertRecovers();
        Assert.Equal("OK", h.Core.ExitStatus);
    }
}

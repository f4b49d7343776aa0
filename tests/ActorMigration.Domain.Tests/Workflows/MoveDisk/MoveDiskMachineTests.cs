using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.MoveDisk;

namespace ActorMigration.Domain.Tests.Workflows.MoveDisk;

/// <summary>qmmove as a pure machine: live (mirror, pivot) and offline (convert) paths, rollback, recovery at each step.</summary>
public sealed class MoveDiskMachineTests
{
    private const string Upid = "UPID:node1:00000001:00000002:6B000000:qmmove:100:root@pam:";
    private const string Src = "local:100/vm-100-disk-0.qcow2";

    private const string StorageText = """
        dir: local
        	path /data/{node}/local
        	content images,iso

        dir: fast
        	path /data/{node}/fast
        	content images

        dir: isos
        	path /data/isos
        	content iso
        """;

    private const string Config = """
        memory: 512
        scsi0: local:100/vm-100-disk-0.qcow2,size=1G,cache=none
        ide2: none,media=cdrom
        unused0: local:100/vm-100-disk-5.raw
        """;

    private static MoveDiskRequest Req(string disk = "scsi0", string storage = "fast", string? format = null, bool delete = false) =>
        new(100, "node1", disk, storage, format, delete, null, "root@pam", PollIntervalMs: 100);

    private static VmRecordView Vm(string config = Config, string? lockName = null, string? owner = null) =>
        MachineHarness<MoveDiskWorkflowState>.Vm(100, config, lockName: lockName, lockOwner: owner);

    private static MoveDiskFacts Facts(bool running, string config = Config, IReadOnlyList<string>? existing = null) =>
        new(Vm(config, MoveDiskPlanner.Lock, Upid), new VmRuntime(100, running ? VmRunState.Running : VmRunState.Stopped),
            new VolumeInfo(Src, "/data/node1/local/images/100/vm-100-disk-0.qcow2", "qcow2", 1L << 30, 1 << 20),
            existing ?? ["local:100/vm-100-disk-0.qcow2", "fast:100/vm-100-disk-0.raw"], StorageText);

    private static MachineHarness<MoveDiskWorkflowState> Harness(bool running, MoveDiskRequest? r = null, string config = Config)
    {
        var h = new MachineHarness<MoveDiskWorkflowState>(new MoveDiskMachine(), Upid, step => step switch
        {
            GatherMoveDiskFacts => Facts(running, config),
            PollMirrors => new MirrorsPolled([new BlockJobInfo("drive-scsi0", "mirror", 1L << 30, 1L << 30, true, "ready")]),
            PivotMirror or CancelMirror => new DriveSwitched(step is PivotMirror),
            ConvertDisk c => new VolumeReady(new VolumeInfo(c.DstVolid, "/x", c.Format, 1L << 30, 0)),
            DeleteVolumes { GoOnPastFailures: true } => new VolumesDeleted([]),
            _ => Done.Instance
        });
        h.Start(r ?? Req());
        return h;
    }

    [Fact]
    public void A_live_move_mirrors_then_pivots_then_the_config_names_the_new_volume_and_keeps_the_old_as_unused()
    {
        var h = Harness(running: true).RunToEnd();
        Assert.Equal(["lock", "prepare", "clear", "alloc", "mirror-start", "mirror-ready", "pivot", "config", "unlock"], h.Ran);
        Assert.Equal("OK", h.Core.ExitStatus);
        // fast already holds disk-0 (of any format): the new volume is disk-1, in the source's format.
        Assert.Equal("fast:100/vm-100-disk-1.qcow2", h.Step<PivotMirror>("pivot").DstVolid);
        Assert.Equal(new VolumeAlloc("fast:100/vm-100-disk-1.qcow2", "qcow2", 1L << 30), h.Step<AllocateVolumes>("alloc").Volumes[0]);
        var cfg = QmConfig.Parse(h.Step<ReplaceConfig>("config").ConfigText);
        Assert.Equal("fast:100/vm-100-disk-1.qcow2,size=1G,cache=none", cfg["scsi0"]);
        Assert.Equal("local:100/vm-100-disk-5.raw", cfg["unused0"]);
        Assert.Equal(Src, cfg["unused1"]);
        Assert.Contains("create full clone of drive scsi0 (local:100/vm-100-disk-0.qcow2)", h.Text);
        Assert.Contains("drive mirror is starting for drive-scsi0", h.Text);
        Assert.Contains("all 'mirror' jobs are ready", h.Text);
        Assert.Contains("drive-scsi0: Completed successfully.", h.Text);
        Assert.True(h.Core.PastPointOfNoReturn);
    }

    [Fact]
    public void An_offline_move_converts_into_the_asked_format_and_delete_removes_the_source_after_the_config()
    {
        var h = Harness(running: false, Req(format: "raw", delete: true)).RunToEnd();
        Assert.Equal(["lock", "prepare", "copy", "config", "free-source", "unlock"], h.Ran);
        var copy = h.Step<ConvertDisk>("copy");
        Assert.Equal((Src, "fast:100/vm-100-disk-1.raw", "raw"), (copy.SrcVolid, copy.DstVolid, copy.Format));
        var cfg = QmConfig.Parse(h.Step<ReplaceConfig>("config").ConfigText);
        Assert.Equal("fast:100/vm-100-disk-1.raw,size=1G,cache=none", cfg["scsi0"]);
        Assert.Null(cfg["unused1"]);
        Assert.Equal([Src], h.Step<DeleteVolumes>("free-source").Volids);
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void An_unused_disk_moves_offline_even_while_the_vm_runs()
    {
        var h = Harness(running: true, Req(disk: "unused0")).RunToEnd();
        Assert.Contains("copy", h.Ran);
        Assert.DoesNotContain("pivot", h.Ran);
        var cfg = QmConfig.Parse(h.Step<ReplaceConfig>("config").ConfigText);
        Assert.Equal("fast:100/vm-100-disk-1.raw", cfg["unused0"]);
        Assert.Equal("local:100/vm-100-disk-5.raw", cfg["unused1"]);
    }

    [Fact]
    public void A_mirror_that_fails_rolls_back_cancel_then_remove_the_new_volume_and_the_vm_keeps_its_disk()
    {
        var h = Harness(running: true);
        foreach (var k in new[] { "lock", "prepare", "clear", "alloc", "mirror-start" }) h.Succeed(k);
        h.Succeed("mirror-ready", new MirrorsPolled([new BlockJobInfo("drive-scsi0", "mirror", 100, 10, false, "running", "No space left")]));
        h.RunToEnd();
        Assert.Equal(["rb-mirror", "rb-volume", "rb-unlock"], h.Ran.SkipWhile(k => !k.StartsWith("rb-", StringComparison.Ordinal)));
        Assert.Equal(["fast:100/vm-100-disk-1.qcow2"], h.Step<DeleteVolumes>("rb-volume").Volids);
        Assert.Equal("storage migration failed: mirroring error: drive-scsi0: No space left", h.Core.ExitStatus);
        Assert.DoesNotContain(h.Ran, k => k == "config");
    }

    [Fact]
    public void A_mirror_job_gone_at_the_pivot_means_the_vm_stayed_on_the_old_volume_and_the_move_rolls_back()
    {
        var h = Harness(running: true);
        foreach (var k in new[] { "lock", "prepare", "clear", "alloc", "mirror-start", "mirror-ready" }) h.Succeed(k);
        h.Succeed("pivot", new DriveSwitched(false));
        h.RunToEnd();
        Assert.Contains("rb-volume", h.Ran);
        Assert.False(h.Core.PastPointOfNoReturn);
        Assert.StartsWith("storage migration failed: mirroring error", h.Core.ExitStatus);
    }

    [Fact]
    public void A_rollback_that_finds_the_pivot_done_writes_the_config_for_the_new_volume_and_removes_nothing()
    {
        var h = Harness(running: true, Req(delete: true));
        foreach (var k in new[] { "lock", "prepare", "clear", "alloc", "mirror-start", "mirror-ready" }) h.Succeed(k);
        h.Fail("timeout", expectKey: "pivot");
        h.Succeed("rb-mirror", new DriveSwitched(true));
        h.RunToEnd();
        Assert.Equal(["rb-config", "rb-unlock"], h.Ran.SkipWhile(k => k != "rb-config"));
        Assert.DoesNotContain(h.Steps, s => s is DeleteVolumes { Key: "rb-volume" or "free-source" });
        var cfg = QmConfig.Parse(h.Step<ReplaceConfig>("rb-config").ConfigText);
        Assert.Equal("fast:100/vm-100-disk-1.qcow2,size=1G,cache=none", cfg["scsi0"]);
        Assert.Equal(Src, cfg["unused1"]);
    }

    [Fact]
    public void An_abort_before_the_pivot_rolls_back_and_after_it_is_ignored()
    {
        var h = Harness(running: true);
        foreach (var k in new[] { "lock", "prepare", "clear", "alloc", "mirror-start" }) h.Succeed(k);
        h.Abort();
        h.RunToEnd();
        Assert.Equal("storage migration failed: interrupted by signal", h.Core.ExitStatus);

        var late = Harness(running: true);
        foreach (var k in new[] { "lock", "prepare", "clear", "alloc", "mirror-start", "mirror-ready", "pivot" }) late.Succeed(k);
        Assert.Empty(late.Abort());
        late.RunToEnd();
        Assert.Equal("OK", late.Core.ExitStatus);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void After_a_crash_at_any_step_the_journal_rebuilds_the_same_state_and_next_step(int steps)
    {
        var h = Harness(running: true, Req(delete: true));
        for (var i = 0; i < steps && h.Next is not null; i++)
        {
            h.Succeed();
            h.AssertRecovers();
        }
        h.RunToEnd();
        h.AssertRecovers();
        Assert.Equal("OK", h.Core.ExitStatus);
    }

    [Fact]
    public void The_mirror_poll_logs_progress_and_fails_after_the_progress_timeout()
    {
        var h = Harness(running: true, Req() with { ProgressTimeoutSec = 5 });
        foreach (var k in new[] { "lock", "prepare", "clear", "alloc", "mirror-start" }) h.Succeed(k);
        var stuck = new MirrorsPolled([new BlockJobInfo("scsi0", "mirror", 1L << 30, 1 << 20, false, "running")]);
        for (var i = 0; i < 8 && h.Next?.Key == "mirror-ready"; i++) h.Succeed("mirror-ready", stuck);
        Assert.Contains(h.Text, l => l.StartsWith("drive-scsi0: transferred 1.0 MiB of 1.0 GiB (0.10%)", StringComparison.Ordinal));
        Assert.True(h.Core.RollingBack);
        Assert.StartsWith("mirroring error: no progress", h.Core.Error);
    }

    [Theory]
    [InlineData("scsi0", "local", null, false, MoveDiskPlanner.SameStorage)]
    [InlineData("scsi0", "local", "qcow2", false, MoveDiskPlanner.SameStorage)]
    [InlineData("scsi1", "fast", null, false, "disk 'scsi1' does not exist")]
    [InlineData("ide2", "fast", null, false, "you can't move a cdrom")]
    [InlineData("scsi0", "nosuch", null, false, "storage 'nosuch' does not exist")]
    [InlineData("scsi0", "isos", null, false, "storage 'isos' does not support vm images")]
    public void Refusals_use_proxmox_wording(string disk, string storage, string? format, bool delete, string message) =>
        Assert.Equal(message, MoveDiskPlanner.Check(Req(disk, storage, format, delete), Vm(), false, StorageConfig.Parse(StorageText), null));

    [Fact]
    public void A_locked_vm_a_template_and_a_snapshotted_disk_with_delete_are_refused()
    {
        var storage = StorageConfig.Parse(StorageText);
        Assert.Equal("VM is locked (backup)", MoveDiskPlanner.Check(Req(), Vm(lockName: "backup"), false, storage, null));
        Assert.Null(MoveDiskPlanner.Check(Req(), Vm(lockName: MoveDiskPlanner.Lock, owner: Upid), false, storage, Upid));
        Assert.Contains("template", MoveDiskPlanner.Check(Req(), Vm(Config + "\ntemplate: 1\n"), false, storage, null));
        const string snap = Config + "\n[s1]\nmemory: 512\nscsi0: local:100/vm-100-disk-0.qcow2,size=1G\n";
        Assert.Equal("you can't move a disk with snapshots and delete the source",
            MoveDiskPlanner.Check(Req(delete: true), Vm(snap), false, storage, null));
        Assert.Null(MoveDiskPlanner.Check(Req(), Vm(snap), false, storage, null));
        Assert.Equal("cannot move TPM state while VM is running",
            MoveDiskPlanner.Check(Req("tpmstate0"), Vm(Config + "\ntpmstate0: local:100/vm-100-disk-9.raw,size=4M\n"), true, storage, null));
    }

    [Fact]
    public void A_snapshotted_disk_moves_with_a_warning()
    {
        const string snap = Config + "\n[s1]\nmemory: 512\nscsi0: local:100/vm-100-disk-0.qcow2,size=1G\n";
        var h = Harness(running: false, config: snap).RunToEnd();
        Assert.Contains("WARN: moving disk with snapshots, snapshots will not be moved!", h.Text);
        Assert.Equal("WARNINGS: 1", h.Core.ExitStatus);
    }

    [Fact]
    public void A_refusal_found_at_prepare_fails_and_unlocks_without_touching_volumes()
    {
        var h = Harness(running: false, Req(storage: "local"));
        h.RunToEnd();
        Assert.Equal(["lock", "prepare", "rb-unlock"], h.Ran);
        Assert.Equal($"storage migration failed: {MoveDiskPlanner.SameStorage}", h.Core.ExitStatus);
    }
}

using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>Migration and mirror operations on the simulated driver, whose primitives do not re-check.</summary>
public sealed class NodeOperationsMigrationTests()
    : NodeOperationsTest(new SimulationOptions { LinkBandwidthBytesPerSec = 100 * MiB, ConntrackEntriesPerVm = 0 })
{
    private static readonly MigrationStartSpec ToPve2 = new("sim://pve2/100/60000", null);

    private static StartMigration Start(MigrationStartSpec spec) => new("migrate", "pve1", 100, spec);

    private async Task RunningVm(params string[] drives)
    {
        var disks = drives.Select((d, i) => new DiskLaunch(d, "scsi", i, null, "raw", false, false, 200 * MiB)).ToList();
        await Driver.Hypervisor.StartAsync(Spec(100, args: "-sim-dirty-rate 20M -sim-working-set 1G", disks: disks));
        Driver.Reset();
    }

    [Fact]
    public async Task A_running_migration_is_not_started_again_with_one_query_each_time()
    {
        await RunningVm();
        await Ops.StartMigration(Start(ToPve2));
        Env.Clock.AdvanceSeconds(2);
        await Ops.StartMigration(Start(ToPve2)); // the driver alone would refuse: a migration is in progress

        Assert.Equal(1, Driver.Count("StartMigrationAsync"));
        Assert.Equal(2, Driver.Count("QueryMigrationAsync"));
        Assert.Equal(200 * MiB, (await Driver.Hypervisor.QueryMigrationAsync(100)).TransferredBytes);
    }

    [Fact]
    public async Task A_completed_migration_is_not_started_again()
    {
        await RunningVm();
        await Ops.StartMigration(Start(ToPve2));
        Env.Clock.AdvanceSeconds(100);
        Assert.Equal(MigrationState.Completed, (await Driver.Hypervisor.QueryMigrationAsync(100)).Status);

        await Ops.StartMigration(Start(ToPve2)); // the driver alone would refuse the VM in post-migrate
        Assert.Equal(1, Driver.Count("StartMigrationAsync"));
    }

    [Fact]
    public async Task A_cancelled_migration_is_started_anew()
    {
        await RunningVm();
        await Ops.StartMigration(Start(ToPve2));
        Env.Clock.AdvanceSeconds(2);
        await Ops.CancelMigration(new CancelMigration("cancel", "pve1", 100));
        await Ops.StartMigration(Start(ToPve2));
        Assert.Equal(2, Driver.Count("StartMigrationAsync"));
        Assert.Equal(0, (await Driver.Hypervisor.QueryMigrationAsync(100)).TransferredBytes);
    }

    [Fact]
    public async Task Poll_migration_answers_the_progress()
    {
        await RunningVm();
        await Ops.StartMigration(Start(ToPve2));
        Env.Clock.AdvanceSeconds(100);
        var polled = (MigrationPolled)await Ops.Run(new PollMigration("poll", "pve1", 100, TimeSpan.Zero));
        Assert.Equal(MigrationState.Completed, polled.Progress.Status);
    }

    [Fact]
    public async Task Mirrors_start_only_for_drives_without_a_job_after_one_query()
    {
        await RunningVm("scsi0", "scsi1");
        var target = new MirrorTarget("sim-nbd://pve2:60001/drive-scsi0", "raw");
        await Driver.Hypervisor.StartMirrorAsync(100, "scsi0", target);
        Driver.Reset();

        // The driver alone would refuse scsi0: its job exists.
        await Ops.StartMirrors(new StartMirrors("mirrors", "pve1", 100, [new MirrorJob("scsi0", target), new MirrorJob("scsi1", target)]));

        Assert.Equal(["QueryBlockJobsAsync", "StartMirrorAsync"], Driver.Calls);
        Assert.Equal(["scsi0", "scsi1"], (await Driver.Hypervisor.QueryBlockJobsAsync(100)).Select(j => j.Device));
    }

    [Fact]
    public async Task No_drives_means_no_query_block_jobs()
    {
        await RunningVm("scsi0");
        await Ops.StartMirrors(new StartMirrors("mirrors", "pve1", 100, []));
        await Ops.MirrorToVolumes(new MirrorToVolumes("mirror", "pve1", 100, [], null));
        await Ops.FinishMirrors(new FinishMirrors("finish", "pve1", 100, [], Pivot: true));
        Assert.Empty(Driver.Calls);
    }

    [Fact]
    public async Task Finishing_several_mirrors_queries_the_jobs_once_and_a_retry_skips_the_finished_ones()
    {
        await RunningVm("scsi0", "scsi1");
        var target = new MirrorTarget("sim-nbd://pve2:60001/x", "raw");
        await Ops.StartMirrors(new StartMirrors("mirrors", "pve1", 100, [new MirrorJob("scsi0", target), new MirrorJob("scsi1", target)]));
        Env.Clock.AdvanceSeconds(10);
        Driver.Reset();

        var finish = new FinishMirrors("finish", "pve1", 100, ["scsi0", "scsi1"], Pivot: true);
        await Ops.FinishMirrors(finish);
        Assert.Equal(["QueryBlockJobsAsync", "FinishMirrorAsync", "FinishMirrorAsync"], Driver.Calls);

        Driver.Reset();
        await Ops.FinishMirrors(finish); // the driver alone would say: no such job
        Assert.Equal(["QueryBlockJobsAsync"], Driver.Calls);
    }

    [Fact]
    public async Task A_pivot_of_a_mirror_that_is_not_ready_is_refused_before_theDriver_is_told()
    {
        await RunningVm("scsi0");
        await Ops.StartMirrors(new StartMirrors("mirrors", "pve1", 100, [new MirrorJob("scsi0", new MirrorTarget("sim-nbd://pve2:60001/x", "raw"))]));
        Env.Clock.AdvanceSeconds(1);
        Driver.Reset();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Ops.FinishMirrors(new FinishMirrors("finish", "pve1", 100, ["scsi0"], Pivot: true)));
        Assert.Equal($"mirror scsi0 of VM 100 is not ready ({100 * MiB}/{200 * MiB})", e.Message);
        Assert.Equal(0, Driver.Count("FinishMirrorAsync"));

        await Ops.FinishMirrors(new FinishMirrors("cancel", "pve1", 100, ["scsi0"], Pivot: false)); // a cancel needs no ready job
        Assert.Empty(await Driver.Hypervisor.QueryBlockJobsAsync(100));
    }

    [Fact]
    public async Task Mirror_to_volumes_needs_its_target_volumes()
    {
        await RunningVm("scsi0");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Ops.MirrorToVolumes(
            new MirrorToVolumes("mirror", "pve1", 100, [new VolumeMirror("scsi0", "local:100/vm-100-disk-1.qcow2", "qcow2")], null)));
        Assert.Equal("volume 'local:100/vm-100-disk-1.qcow2' does not exist", e.Message);

        await Driver.Storage.CreateAsync("local:100/vm-100-disk-1.qcow2", "qcow2", 200 * MiB);
        await Ops.MirrorToVolumes(new MirrorToVolumes("mirror", "pve1", 100, [new VolumeMirror("scsi0", "local:100/vm-100-disk-1.qcow2", "qcow2")], 1024));
        var job = (await Driver.Hypervisor.QueryBlockJobsAsync(100)).Single();
        Assert.Equal("scsi0", job.Device);
    }

    [Fact]
    public async Task A_step_that_is_not_a_node_step_is_refused()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Ops.Run(new UnlockVm("unlock", 100)));
        Assert.Equal("no node operation for step UnlockVm", e.Message);
    }
}

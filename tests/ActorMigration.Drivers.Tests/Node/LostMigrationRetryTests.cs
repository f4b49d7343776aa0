using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Drivers.Node;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>
/// A migration lost with its source's member: it completed unseen, the rollback stopped the target and (once the node
/// was back) resumed the source, which still reports that old migration as completed. A new migration of the VM must
/// really start (pve1 source, pve2 target).
/// </summary>
public sealed class LostMigrationRetryTests()
    : NodeOperationsTest(new SimulationOptions { LinkBandwidthBytesPerSec = 100 * MiB, ConntrackEntriesPerVm = 0 })
{
    private const string OldUpid = "UPID:pve1:00000001:00000002:00000003:qmigrate:100:root@pam:";
    private const string NewUpid = "UPID:pve1:00000001:00000002:00000009:qmigrate:100:root@pam:";

    private NodeOperations Target => new(Env.Node("pve2"));

    private async Task<string> IncomingOnPve2(string tag) =>
        (await Env.Node("pve2").Hypervisor.StartAsync(Spec(100, tag: tag, incoming: new IncomingSpec("127.0.0.1", []))))
        .IncomingUri!;

    private static StartMigration Start(string uri) => new("migrate", "pve1", 100, new MigrationStartSpec(uri, null));

    /// <summary>The lost attempt: completed while nobody asked, target stopped by the rollback, source resumed.</summary>
    private async Task<string> LostAttempt(bool resumed = true)
    {
        await Driver.Hypervisor.StartAsync(Spec(100, args: "-sim-dirty-rate 20M -sim-working-set 1G"));
        var uri = await IncomingOnPve2(OldUpid);
        await Ops.StartMigration(Start(uri));
        Env.Clock.AdvanceSeconds(100);
        await Target.StopVm(new StopVm("rb-stop-target", "pve2", 100));
        if (resumed) await Ops.ResumeVm(new ResumeVm("rb-resume-source", "pve1", 100));
        Assert.Equal(resumed ? VmRunState.Running : VmRunState.PostMigrate, (await Driver.Hypervisor.GetAsync(100)).State);
        Assert.Equal(MigrationState.Completed, (await Driver.Hypervisor.QueryMigrationAsync(100)).Status); // as QEMU
        Driver.Reset();
        return uri;
    }

    [Fact]
    public async Task A_new_migration_after_a_lost_completed_one_starts_and_reaches_its_target()
    {
        var oldUri = await LostAttempt();
        var uri = await IncomingOnPve2(NewUpid);
        Assert.NotEqual(oldUri, uri);

        await Ops.StartMigration(Start(uri));
        Assert.Equal(1, Driver.Count("StartMigrationAsync"));
        Assert.Equal(MigrationState.Active, (await Driver.Hypervisor.QueryMigrationAsync(100)).Status);

        Env.Clock.AdvanceSeconds(100);
        var polled = (MigrationPolled)await Ops.Run(new PollMigration("precopy", "pve1", 100, TimeSpan.Zero));
        Assert.Equal(MigrationState.Completed, polled.Progress.Status);
        Assert.Same(Done.Instance, await Target.Run(new ConfirmIncoming("confirm-target", "pve2", 100, NewUpid, TimeSpan.Zero)));

        // The step run again after a crash finds this migration completed: not started twice.
        await Ops.StartMigration(Start(uri));
        Assert.Equal(1, Driver.Count("StartMigrationAsync"));
    }

    [Fact]
    public async Task A_resumed_source_starts_anew_even_when_the_new_target_has_the_old_uri()
    {
        // QEMU's incoming URI is tcp:host:port, and a port may be handed out again: the URI alone is not this migration.
        var oldUri = await LostAttempt();
        await Ops.StartMigration(Start(oldUri));
        Assert.Equal(1, Driver.Count("StartMigrationAsync"));
        // The simulated URI names the old (stopped) incoming VM, so this new migration fails at once, as QEMU's would.
        Assert.Contains("Connection reset by peer", (await Driver.Hypervisor.QueryMigrationAsync(100)).Error);
    }

    [Fact]
    public async Task A_source_still_paused_by_the_lost_migration_is_refused_as_qemu_does_until_resumed()
    {
        await LostAttempt(resumed: false); // the rollback could not resume it: its node was down
        var uri = await IncomingOnPve2(NewUpid);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Ops.StartMigration(Start(uri)));
        Assert.Equal("Can't migrate the vm that was paused due to previous migration", e.Message);

        await Ops.ResumeVm(new ResumeVm("rb-resume-source", "pve1", 100)); // this attempt's rollback
        await Target.StopVm(new StopVm("rb-stop-target", "pve2", 100));
        uri = await IncomingOnPve2(NewUpid);
        await Ops.StartMigration(Start(uri));
        Assert.Equal(MigrationState.Active, (await Driver.Hypervisor.QueryMigrationAsync(100)).Status);
    }

    [Fact]
    public async Task A_migration_running_to_another_target_is_not_taken_for_this_one()
    {
        await Driver.Hypervisor.StartAsync(Spec(100, args: "-sim-dirty-rate 20M -sim-working-set 1G"));
        await Ops.StartMigration(Start("sim://pve3/100/60000"));
        Env.Clock.AdvanceSeconds(1);

        // The driver refuses the second one, as QEMU does: the step fails instead of following the other migration.
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Ops.StartMigration(Start("sim://pve2/100/60000")));
        Assert.Contains("already in progress", e.Message);
    }
}

using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Drivers.Node;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>The target's confirmation before the point of no return, on simulated nodes pve1 (source) and pve2 (target).</summary>
public sealed class ConfirmIncomingTests()
    : NodeOperationsTest(new SimulationOptions { LinkBandwidthBytesPerSec = 100 * MiB, ConntrackEntriesPerVm = 0 })
{
    private const string Upid = "UPID:pve1:00000001:00000002:00000003:qmigrate:100:root@pam:";

    private static ConfirmIncoming Confirm(string tag = Upid) => new("confirm-target", "pve2", 100, tag, TimeSpan.Zero);

    private NodeOperations Target => new(Env.Node("pve2"));

    private async Task<string> IncomingOnPve2() =>
        (await Env.Node("pve2").Hypervisor.StartAsync(Spec(100, tag: Upid, incoming: new IncomingSpec("127.0.0.1", []))))
        .IncomingUri!;

    private async Task MigrateFromPve1(string uri)
    {
        await Driver.Hypervisor.StartAsync(Spec(100, args: "-sim-dirty-rate 20M -sim-working-set 1G"));
        await Ops.StartMigration(new StartMigration("migrate", "pve1", 100, new MigrationStartSpec(uri, null)));
    }

    [Fact]
    public async Task The_target_confirms_once_the_source_completed_and_waits_paused()
    {
        var uri = await IncomingOnPve2();
        await MigrateFromPve1(uri);
        Env.Clock.AdvanceSeconds(2);
        var polled = (MigrationPolled)await Ops.Run(new PollMigration("precopy", "pve1", 100, TimeSpan.Zero));
        Assert.Equal(MigrationState.Active, polled.Progress.Status);
        var early = await Assert.ThrowsAsync<InvalidOperationException>(() => Target.Run(Confirm()));
        Assert.Contains("did not receive the complete state (status: inmigrate)", early.Message);

        Env.Clock.AdvanceSeconds(100);
        polled = (MigrationPolled)await Ops.Run(new PollMigration("precopy", "pve1", 100, TimeSpan.Zero));
        Assert.Equal(MigrationState.Completed, polled.Progress.Status);

        Assert.Same(Done.Instance, await Target.Run(Confirm()));
        Assert.Equal(VmRunState.Paused, (await Env.Node("pve2").Hypervisor.GetAsync(100)).State);
        Assert.Same(Done.Instance, await Target.Run(Confirm())); // a re-run after a crash finds it the same

        await Target.ResumeVm(new ResumeVm("resume-target", "pve2", 100));
        Assert.Equal(VmRunState.Running, (await Env.Node("pve2").Hypervisor.GetAsync(100)).State);
    }

    [Fact]
    public async Task Another_workflows_vm_or_none_is_refused()
    {
        var none = await Assert.ThrowsAsync<InvalidOperationException>(() => Target.Run(Confirm()));
        Assert.Contains("not this migration's incoming VM (tag none, stopped)", none.Message);

        await IncomingOnPve2();
        var other = await Assert.ThrowsAsync<InvalidOperationException>(() => Target.Run(Confirm("UPID:pve1:other")));
        Assert.Contains($"(tag {Upid}, inmigrate)", other.Message);
    }

    [Fact]
    public async Task A_stale_completion_mark_does_not_confirm_a_new_incoming_vm()
    {
        var uri = await IncomingOnPve2();
        await MigrateFromPve1(uri);
        Env.Clock.AdvanceSeconds(100);
        await Ops.Run(new PollMigration("precopy", "pve1", 100, TimeSpan.Zero));
        await Env.Node("pve2").Hypervisor.StopAsync(100);

        await IncomingOnPve2();
        await Ops.Run(new PollMigration("precopy", "pve1", 100, TimeSpan.Zero)); // the old source marks its own target only
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Target.Run(Confirm()));
        Assert.Contains("status: inmigrate", e.Message);
    }

    [Fact]
    public async Task A_target_stopped_before_the_end_fails_the_migration_and_the_source_keeps_running()
    {
        var uri = await IncomingOnPve2();
        await MigrateFromPve1(uri);
        Env.Clock.AdvanceSeconds(2);
        await Env.Node("pve2").Hypervisor.StopAsync(100); // a rollback stops the target
        Env.Clock.AdvanceSeconds(100);

        var p = await Driver.Hypervisor.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Failed, p.Status);
        Assert.Contains("Connection reset by peer", p.Error);
        Assert.Equal(VmRunState.Running, (await Driver.Hypervisor.GetAsync(100)).State);
    }

    [Fact]
    public async Task A_target_stopped_after_the_end_leaves_the_migration_completed()
    {
        var uri = await IncomingOnPve2();
        await MigrateFromPve1(uri);
        Env.Clock.AdvanceSeconds(100);
        await Env.Node("pve2").Hypervisor.StopAsync(100);
        Env.Clock.AdvanceSeconds(1);
        Assert.Equal(MigrationState.Completed, (await Driver.Hypervisor.QueryMigrationAsync(100)).Status);
    }
}

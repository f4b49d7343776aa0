using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows;
using ActorMigration.Drivers.Node;
using ActorMigration.Drivers.Qemu.Hypervisor;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>
/// What real QEMU 7.2 reports after a migration that completed but was rolled back (target stopped, source resumed),
/// and that NodeOperations then starts a new one rather than taking the old "completed" for it.
/// </summary>
public sealed class LostMigrationTests(ITestOutputHelper output)
{
    private const int VmId = 150;

    private static Task<MigrationProgress> WaitFinalAsync(QemuHypervisorDriver hv, TimeSpan timeout) =>
        MigrationTests.WaitFinalAsync(hv, VmId, timeout);

    private static int MigrateCommands(TestEnv env) =>
        env.Logs.Events.Count(e => e.MessageTemplate.Text == QmpSessions.CommandTemplate && e.Properties["Command"].ToString() == "\"migrate\"");

    private static StartMigration Start(string uri) => new("migrate", "node1", VmId, new MigrationStartSpec(uri, null, 100, false));

    [Fact]
    public async Task A_resumed_source_still_reports_the_old_migration_completed_and_a_new_one_is_started()
    {
        await using var env = await TestEnv.CreateAsync(output);
        var n1 = env.AddNode("node1");
        var n2 = env.AddNode("node2");
        var (source, target) = (new NodeOperations(n1), new NodeOperations(n2));
        var spec = Specs.Guest(VmId, "src");
        var src = await n1.Hypervisor.StartAsync(spec);
        await GuestConsole.WaitForLineAsync(n1.Qemu, VmId, "disk none");
        await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, VmId, 3);

        // The lost attempt: it completes, then the rollback stops its target.
        var old = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "old"));
        await source.StartMigration(Start(old.IncomingUri!));
        Assert.Equal(MigrationState.Completed, (await WaitFinalAsync(n1.Qemu, TimeSpan.FromSeconds(60))).Status);
        await n2.Hypervisor.StopAsync(VmId);

        // QEMU refuses to migrate a source paused by an earlier migration; the refused URI is not recorded.
        var next = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "new"));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => source.StartMigration(Start(next.IncomingUri!)));
        Assert.Contains("Can't migrate the vm that was paused due to previous migration", refused.Message);
        Assert.Equal(old.IncomingUri, (await n1.Hypervisor.QueryMigrationAsync(VmId)).Uri);

        // Resumed (the rollback, once its node is back): query-migrate still says "completed", with the old figures.
        await n1.Hypervisor.ResumeAsync(VmId);
        Assert.Equal(VmRunState.Running, (await n1.Hypervisor.GetAsync(VmId)).State);
        var stale = await n1.Hypervisor.QueryMigrationAsync(VmId);
        output.WriteLine($"resumed source: {stale}");
        Assert.Equal(MigrationState.Completed, stale.Status);
        Assert.True(stale.TransferredBytes > 0);

        // Even to the old URI (its port may be handed out again) the resumed source starts anew: QEMU is told "migrate"
        // (nothing listens there now, so that one fails).
        var before = MigrateCommands(env);
        await source.StartMigration(Start(old.IncomingUri!));
        Assert.Equal(before + 1, MigrateCommands(env));
        Assert.Equal(MigrationState.Failed, (await WaitFinalAsync(n1.Qemu, TimeSpan.FromSeconds(30))).Status);

        await source.StartMigration(Start(next.IncomingUri!));
        Assert.Equal(before + 2, MigrateCommands(env));
        Assert.Equal(MigrationState.Completed, (await WaitFinalAsync(n1.Qemu, TimeSpan.FromSeconds(60))).Status);
        Assert.Same(Done.Instance, await target.Run(new ConfirmIncoming("confirm-target", "node2", VmId, "new", TimeSpan.FromSeconds(10))));

        // A retry of the step after a crash finds this migration completed and the source in post-migrate: no second start.
        await source.StartMigration(Start(next.IncomingUri!));
        Assert.Equal(before + 2, MigrateCommands(env));

        var last = GuestConsole.LastHeartbeat(n1.Qemu, VmId);
        await n2.Hypervisor.ResumeAsync(VmId);
        await n1.Hypervisor.StopAsync(VmId);
        await GuestConsole.WaitForHeartbeatAsync(n2.Qemu, VmId, last + 2, TimeSpan.FromSeconds(20));
    }
}

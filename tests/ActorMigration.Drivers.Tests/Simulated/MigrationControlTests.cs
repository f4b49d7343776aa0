using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Simulated;
using static ActorMigration.Drivers.Tests.Simulated.SimEnv;

namespace ActorMigration.Drivers.Tests.Simulated;

/// <summary>The simulated driver's migrate-set-parameters and migrate-start-postcopy.</summary>
public class MigrationControlTests : IDisposable
{
    private readonly SimEnv _env = new(new SimulationOptions { LinkBandwidthBytesPerSec = 100 * MiB, ConntrackEntriesPerVm = 0 });

    public void Dispose() => _env.Dispose();

    // 1 GiB guest, 200 MiB/s over 512 MiB: passes of 512 MiB, syncs at 10.24 s then every 5.12 s (see MigrationChangeTests)
    private const string HeavyArgs = "-sim-dirty-rate 200M -sim-working-set 512M";
    private const string ModerateArgs = "-sim-dirty-rate 20M -sim-working-set 1G";
    private const string Uri = "sim://pve2/100/60000";

    [Fact]
    public async Task Downtime_raise_completes_a_stuck_migration_at_the_next_sync()
    {
        var hv = _env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, args: HeavyArgs));
        await hv.StartMigrationAsync(100, new MigrationStartSpec(Uri, null, AutoConverge: false));
        _env.Clock.AdvanceSeconds(30);
        Assert.Equal(MigrationState.Active, (await hv.QueryMigrationAsync(100)).Status);

        await hv.TuneMigrationAsync(100, new MigrationTuning(5200, null));
        _env.Clock.AdvanceSeconds(0.5);
        Assert.Equal(MigrationState.Active, (await hv.QueryMigrationAsync(100)).Status);
        _env.Clock.AdvanceSeconds(6);
        var done = await hv.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Completed, done.Status);
        Assert.Equal(5125, done.DowntimeMs);
    }

    [Fact]
    public async Task Throttle_ceiling_is_applied_and_reported()
    {
        var hv = _env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, args: HeavyArgs));
        await hv.StartMigrationAsync(100, new MigrationStartSpec(Uri, null, ThrottleCeilingPct: 10));
        _env.Clock.AdvanceSeconds(30);
        var before = await hv.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Active, before.Status);
        Assert.Equal(10, before.ThrottlePct);

        await hv.TuneMigrationAsync(100, new MigrationTuning(100, 95));
        _env.Clock.AdvanceSeconds(12);
        var p = await hv.QueryMigrationAsync(100);
        Assert.True(p.Status == MigrationState.Completed || p.ThrottlePct == 95, $"{p.Status} at throttle {p.ThrottlePct}");
        _env.Clock.AdvanceSeconds(30);
        Assert.Equal(MigrationState.Completed, (await hv.QueryMigrationAsync(100)).Status);
    }

    [Fact]
    public async Task Postcopy_is_visible_and_completes_with_the_overhead_as_downtime()
    {
        var hv = _env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, args: ModerateArgs));
        await hv.StartMigrationAsync(100, new MigrationStartSpec(Uri, null, PostCopy: true));
        _env.Clock.AdvanceSeconds(5);
        await hv.StartPostcopyAsync(100);
        _env.Clock.AdvanceSeconds(1);
        var p = await hv.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.PostcopyActive, p.Status);
        Assert.Equal(VmRunState.FinishMigrate, (await hv.GetAsync(100)).State);
        _env.Clock.AdvanceSeconds(6);
        var done = await hv.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Completed, done.Status);
        Assert.Equal(5, done.DowntimeMs);
        Assert.Equal((500 + 624) * MiB, done.TransferredBytes);
    }

    [Fact]
    public async Task Postcopy_and_bad_tuning_are_refused_with_qemus_text_and_change_nothing()
    {
        var hv = _env.Node().Hypervisor;
        await hv.StartAsync(Spec(100, args: ModerateArgs));
        var none = await Assert.ThrowsAsync<InvalidOperationException>(() => hv.StartPostcopyAsync(100));
        Assert.Equal("Postcopy must be started after migration has been started", none.Message);

        await hv.StartMigrationAsync(100, new MigrationStartSpec(Uri, null));
        _env.Clock.AdvanceSeconds(5);
        var cap = await Assert.ThrowsAsync<InvalidOperationException>(() => hv.StartPostcopyAsync(100));
        Assert.Equal("Enable postcopy with migrate_set_capability before the start of migration", cap.Message);
        var bad = await Assert.ThrowsAsync<InvalidOperationException>(() => hv.TuneMigrationAsync(100, new MigrationTuning(100, 100)));
        Assert.Equal("Parameter 'cpu_throttle_initial' expects an integer in the range of 1 to 99", bad.Message);
        var far = await Assert.ThrowsAsync<InvalidOperationException>(() => hv.TuneMigrationAsync(100, new MigrationTuning(2_000_001, null)));
        Assert.Equal("Parameter 'downtime_limit' expects an integer in the range of 0 to 2000 seconds", far.Message);

        Assert.Equal(MigrationState.Active, (await hv.QueryMigrationAsync(100)).Status);
        _env.Clock.AdvanceSeconds(8); // the untouched plan completes at 12.78 s
        var done = await hv.QueryMigrationAsync(100);
        Assert.Equal(MigrationState.Completed, done.Status);
        Assert.Equal(12785, done.TotalTimeMs);
    }
}

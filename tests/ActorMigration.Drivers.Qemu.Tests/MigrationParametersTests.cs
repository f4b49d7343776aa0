using System.Text.Json.Nodes;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Workflows.Migration;
using ActorMigration.Drivers.Qemu.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ActorMigration.Drivers.Qemu.Tests;

/// <summary>
/// A VM config's migrate_downtime and migrate_speed, turned into the live migration's limits by prepare's rule
/// (<see cref="LiveMigrationLimits"/>) and the plan → StartMigration mapping, are what QEMU migrates with:
/// query-migrate-parameters on the source during the migration.
/// </summary>
public sealed class MigrationParametersTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Config_migrate_downtime_and_migrate_speed_are_the_sources_downtime_limit_and_max_bandwidth()
    {
        const int vmid = 148;
        var cfg = QmConfig.Parse("memory: 256\nmigrate_downtime: 0.5\nmigrate_speed: 8\n").Main;
        var downtimeMs = LiveMigrationLimits.DowntimeMs(cfg, 100);
        var speedKiB = LiveMigrationLimits.SpeedKiB(cfg, null);
        Assert.Equal((500L, 8192L), (downtimeMs, speedKiB));

        await using var env = await TestEnv.CreateAsync(output);
        var n1 = env.AddNode("node1");
        var n2 = env.AddNode("node2");
        var spec = Specs.Guest(vmid, "src");
        var src = await n1.Hypervisor.StartAsync(spec);
        await GuestConsole.WaitForHeartbeatAsync(n1.Qemu, vmid, 2);
        var dst = await n2.Hypervisor.StartAsync(Specs.Incoming(spec, src.RunningMachine!, "dst"));

        // As the migration workflow starts it from the plan: KiB/s × 1024, the downtime limit in ms.
        await n1.Hypervisor.StartMigrationAsync(vmid, new MigrationStartSpec(dst.IncomingUri!, speedKiB * 1024, downtimeMs));
        // 256 MiB at 8 MiB/s takes about 30 s: the migration is still running when QEMU is asked.
        var progress = await n1.Hypervisor.QueryMigrationAsync(vmid);
        Assert.True(progress.Status is MigrationState.Setup or MigrationState.Active, $"migration {progress.Status}");
        var p = (JsonObject)(await (await n1.Qemu.GetQmpAsync(vmid)).ExecuteAsync("query-migrate-parameters"))!;
        output.WriteLine(p.ToJsonString());
        Assert.Equal(500, p["downtime-limit"]!.GetValue<long>());
        Assert.Equal(8L << 20, p["max-bandwidth"]!.GetValue<long>());
        Assert.True((await n1.Hypervisor.QueryMigrationAsync(vmid)).Status is MigrationState.Setup or MigrationState.Active);

        // Not waited for: cancelled, the guest runs on at the source.
        await n1.Hypervisor.CancelMigrationAsync(vmid);
        await n2.Hypervisor.StopAsync(vmid);
        await n1.Hypervisor.StopAsync(vmid);
    }
}

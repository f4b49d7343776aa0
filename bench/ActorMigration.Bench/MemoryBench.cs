using System.Diagnostics;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows.Migration;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;

namespace ActorMigration.Bench;

/// <summary>Memory of a member with many idle VMs, then with many migrations in flight.</summary>
public static class MemoryBench
{
    public sealed record Result(long BaselineBytes, int IdleVms, long IdleBytes, int Migrations, long MigratingBytes);

    private static long Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }

    public static async Task<Result> Run(int idleVms, int migrations)
    {
        // Slow simulated links keep the migrations in flight while we measure.
        var factory = new SimulatedNodeDriverFactory(new SimulationOptions { SpeedFactor = 1, LinkBandwidthBytesPerSec = 10L * 1024 * 1024 });
        await using var member = await BenchMember.StartAsync(factory, ["node1", "node2"]);
        var vms = member.Registry.Get<VirtualMachineRegion>();
        var nodes = member.Registry.Get<HypervisorNodeRegion>();
        var tasks = member.Registry.Get<TaskRouter>();
        var baseline = Measure();

        const string config = "memory: 1024\nname: idle\nnet0: virtio=BC:24:11:00:00:01,bridge=vmbr0\n";
        foreach (var batch in Enumerable.Range(100, idleVms).Chunk(100))
            await Task.WhenAll(batch.Select(id => vms.Ask<VmReply>(new CreateVm(id, "node1", config), TimeSpan.FromSeconds(60))));
        // Touch every record so each VM entity is alive in memory.
        foreach (var batch in Enumerable.Range(100, idleVms).Chunk(100))
            await Task.WhenAll(batch.Select(id => vms.Ask<VmReply>(new GetVm(id), TimeSpan.FromSeconds(60))));
        var idle = Measure();

        var ids = Enumerable.Range(100, migrations).ToList();
        await Task.WhenAll(ids.Select(id => nodes.Ask<Domain.Workflows.VmStarted>(
            new NodeStep("node1", new Domain.Workflows.StartVm("start", "node1", id, config, null, "bench")), TimeSpan.FromSeconds(60))));
        var upids = new List<string>();
        foreach (var id in ids)
        {
            var upid = $"UPID:node1:{id:X8}:00000001:6B000000:qmigrate:{id}:root@pam!bench:";
            await tasks.Ask(new StartTask(upid, new MigrationRequest(id, "node1", "node2", true, false, null, null, false, false, "root@pam!bench")),
                TimeSpan.FromSeconds(60));
            upids.Add(upid);
        }
        await Task.Delay(3000);
        var running = 0;
        foreach (var u in upids)
            if ((await tasks.Ask<TaskStatusReply>(new GetTaskStatus(u))).Running) running++;
        if (running < migrations) throw new InvalidOperationException($"only {running} migrations in flight");
        var migrating = Measure();
        Console.Error.WriteLine($"working set {Process.GetCurrentProcess().WorkingSet64 / 1048576} MiB");
        return new Result(baseline, idleVms, idle, migrations, migrating);
    }
}

using System.Diagnostics;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Vms;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Vms;
using ActorMigration.Domain.Workflows.Migration;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;

namespace ActorMigration.Bench;

/// <summary>
/// N online migrations end to end through the actors and the SQLite journal (simulated driver, instant copy),
/// against a bare persistent actor writing as many events to the same journal, side by side.
/// </summary>
public static class OrchestrationBench
{
    public sealed record Result(int Migrations, double Seconds, long Events, double WorkflowsPerSec, double EventsPerSec,
        double BareEventsPerSec, double Ratio, double BatchedEventsPerSec, long MemoryBytes);

    public static async Task<List<Result>> Run(int n, int rounds)
    {
        var results = new List<Result>();
        var factory = new SimulatedNodeDriverFactory(new SimulationOptions { InstantCopy = true, SpeedFactor = 1000 });
        await using var member = await BenchMember.StartAsync(factory, ["node1", "node2"]);
        var vms = member.Registry.Get<VirtualMachineRegion>();
        var nodes = member.Registry.Get<HypervisorNodeRegion>();
        var tasks = member.Registry.Get<TaskRouter>();

        var nextVm = 1000;
        for (var round = 0; round < rounds; round++)
        {
            var ids = Enumerable.Range(nextVm, n).ToList();
            nextVm += n;
            await Task.WhenAll(ids.Select(async id =>
            {
                await vms.Ask<VmReply>(new CreateVm(id, "node1", "memory: 512\nname: bench\n"), TimeSpan.FromSeconds(60));
                await nodes.Ask<Domain.Workflows.VmStarted>(new NodeStep("node1",
                    new Domain.Workflows.StartVm("start", "node1", id, "memory: 512\nname: bench\n", null, "bench")), TimeSpan.FromSeconds(60));
            }));

            // The workflows.
            var before = member.JournalRows();
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(ids.Select(async id =>
            {
                var upid = $"UPID:node1:{id:X8}:{round:X8}:6B000000:qmigrate:{id}:root@pam!bench:";
                var r = await tasks.Ask(new StartTask(upid, new MigrationRequest(id, "node1", "node2", true, false, null, null, false, false,
                    "root@pam!bench", PollIntervalMs: 0)), TimeSpan.FromSeconds(120));
                if (r is not TaskAcceptedReply) throw new InvalidOperationException($"migration {id} refused: {r}");
                while (true)
                {
                    var s = await tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), TimeSpan.FromSeconds(60));
                    if (s.Exists && !s.Running)
                    {
                        if (s.ExitStatus != "OK") throw new InvalidOperationException($"migration {id}: {s.ExitStatus}");
                        break;
                    }
                    await Task.Delay(20);
                }
            }));
            var seconds = sw.Elapsed.TotalSeconds;
            var events = member.JournalRows() - before;
            var memory = Process.GetCurrentProcess().WorkingSet64;

            // The baselines, same journal, same number of events, same concurrency.
            var perActor = (int)Math.Ceiling(events / (double)n);
            var (bareEvents, bareSeconds) = await Bare(member, ids, $"{round}-s", perActor, sequential: true);
            var (batchedEvents, batchedSeconds) = await Bare(member, ids, $"{round}-b", perActor, sequential: false);

            var eps = events / seconds;
            var bareEps = bareEvents / bareSeconds;
            results.Add(new Result(n, seconds, events, n / seconds, eps, bareEps, eps / bareEps, batchedEvents / batchedSeconds, memory));
            Console.Error.WriteLine($"round {round + 1}: {n} migrations in {seconds:F2}s ({events} events, {eps:F0}/s); bare " +
                $"sequential {bareEvents} events in {bareSeconds:F2}s ({bareEps:F0}/s); ratio {eps / bareEps:F2}; bare " +
                    $"batched {batchedEvents / batchedSeconds:F0}/s");
        }
        return results;
    }

    private static async Task<(long Events, double Seconds)> Bare(BenchMember member, List<int> ids, string tag, int perActor, bool sequential)
    {
        var bare = ids.Select(id => member.System.ActorOf(Props.Create(() => new BarePersistentActor($"{tag}-{id}")))).ToList();
        var before = member.JournalRows();
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(bare.Select(a => a.Ask<BarePersistentActor.Finished>(new BarePersistentActor.Run(perActor, sequential), TimeSpan.FromSeconds(300))));
        var seconds = sw.Elapsed.TotalSeconds;
        var events = member.JournalRows() - before;
        foreach (var a in bare) a.Tell(PoisonPill.Instance);
        return (events, seconds);
    }
}

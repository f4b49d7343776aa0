using System.Globalization;
using ActorMigration.Bench;

// dotnet run -c Release --project bench/ActorMigration.Bench -- orchestration [n] [rounds] | memory [vms] [migrations]
//   | qemu-live [rounds] [memoryMiB] [pollMs] [warm-up] | clone [rounds] [data MiB] [dir]
//   | fuzz [requests] [seed] [hang seconds] [deep OVF levels] [sparse MiB] | failover [rounds] [source] [target] [bystander]
//   | lock-after-target-loss [rounds] [memoryMiB] | throughput-cluster [n] [rounds] | bystander-pause [rounds] [record-lag]
//   | ha-recovery [rounds]
//   | balance-sim [nodes] [vms] [rounds]
//   | scale [nodes] [vms] [migrations] | evacuate [rounds]
var mode = args.FirstOrDefault() ?? "orchestration";
int Arg(int i, int def) => args.Length > i && int.TryParse(args[i], out var v) ? v : def;
var inv = CultureInfo.InvariantCulture;

switch (mode)
{
    case "orchestration":
    {
        var results = await OrchestrationBench.Run(Arg(1, 200), Arg(2, 3));
        Console.WriteLine("| round | migrations | seconds | workflows/s | events | events/s | bare sequential events/s | ratio | bare batched events/s " +
            "| ratio |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            Console.WriteLine(string.Format(inv, "| {0} | {1} | {2:F2} | {3:F1} | {4} | {5:F0} | {6:F0} | {7:F2} | {8:F0} | {9:F2} |",
                i + 1, r.Migrations, r.Seconds, r.WorkflowsPerSec, r.Events, r.EventsPerSec, r.BareEventsPerSec, r.Ratio,
                r.BatchedEventsPerSec, r.EventsPerSec / r.BatchedEventsPerSec));
        }
        double Median(IEnumerable<double> xs) => xs.OrderBy(x => x).ElementAt(results.Count / 2);
        Console.WriteLine(string.Format(inv, "\nmedian workflows/s: {0:F1}; median ratio to bare sequential: {1:F2}; to bare batched: {2:F2}",
            Median(results.Select(r => r.WorkflowsPerSec)), Median(results.Select(r => r.Ratio)),
            Median(results.Select(r => r.EventsPerSec / r.BatchedEventsPerSec))));
        break;
    }
    case "memory":
    {
        var r = await MemoryBench.Run(Arg(1, 1000), Arg(2, 100));
        Console.WriteLine("| state | managed heap |");
        Console.WriteLine("|---|---|");
        Console.WriteLine(string.Format(inv, "| member started, no VMs | {0:F1} MiB |", r.BaselineBytes / 1048576.0));
        Console.WriteLine(string.Format(inv, "| {0} idle VMs | {1:F1} MiB (+{2:F1} KiB per VM) |", r.IdleVms, r.IdleBytes / 1048576.0,
            (r.IdleBytes - r.BaselineBytes) / 1024.0 / r.IdleVms));
        Console.WriteLine(string.Format(inv, "| + {0} concurrent migrations | {1:F1} MiB (+{2:F1} KiB per migration) |", r.Migrations,
            r.MigratingBytes / 1048576.0, (r.MigratingBytes - r.IdleBytes) / 1024.0 / r.Migrations));
        break;
    }
    case "qemu-live":
        return await ActorMigration.Bench.Qemu.QemuLiveBench.RunAndPrint(Arg(1, 5), Arg(2, 512), Arg(3, 100), Arg(4, 5));
    case "clone":
        ActorMigration.Bench.Clone.CloneReport.Print(await ActorMigration.Bench.Clone.CloneBench.Run(Arg(1, 5), Arg(2, 1536),
            args.ElementAtOrDefault(3)), args);
        break;
    case "fuzz":
        return await ActorMigration.Bench.Fuzz.FuzzBench.RunAndPrint(args);
    case "failover":
        ActorMigration.Bench.Cluster.FailoverBench.Print(await ActorMigration.Bench.Cluster.FailoverBench.Run(Arg(1, 6), args.ElementAtOrDefault(2) ?? "node1",
            args.ElementAtOrDefault(3) ?? "node2", args.ElementAtOrDefault(4) == "bystander"));
        break;
    case "lock-after-target-loss":
        ActorMigration.Bench.Cluster.TargetLossBench.Print(await ActorMigration.Bench.Cluster.TargetLossBench.Run(Arg(1, 5), Arg(2, 2048)));
        break;
    case "throughput-cluster":
        ActorMigration.Bench.Cluster.ClusterThroughputBench.Print(await ActorMigration.Bench.Cluster.ClusterThroughputBench.Run(Arg(1, 60), Arg(2, 3)));
        break;
    case "bystander-pause":
        ActorMigration.Bench.Cluster.BystanderPauseBench.Print(await ActorMigration.Bench.Cluster.BystanderPauseBench.Run(Arg(1, 5),
            args.ElementAtOrDefault(2) == "record-lag"));
        break;
    case "ha-recovery":
        ActorMigration.Bench.Cluster.HaRecoveryBench.Print(await ActorMigration.Bench.Cluster.HaRecoveryBench.Run(Arg(1, 5)));
        break;
    case "balance-sim":
        ActorMigration.Bench.Balance.BalanceSimReport.Print(ActorMigration.Bench.Balance.BalanceSimBench.Run(Arg(1, 5), Arg(2, 300), Arg(3, 20)));
        break;
    case "scale":
        ActorMigration.Bench.Balance.ScaleReport.Print(await ActorMigration.Bench.Balance.ScaleBench.Run(Arg(1, 50), Arg(2, 10000), Arg(3, 1000)));
        break;
    case "evacuate":
        ActorMigration.Bench.Balance.EvacuationReport.Print(await ActorMigration.Bench.Balance.EvacuationBench.Run(Arg(1, 3)));
        break;
    case "convergence" when args.ElementAtOrDefault(1) == "trace":
        ActorMigration.Bench.Convergence.ConvergenceReport.Trace(Arg(2, 1), Arg(3, 100), double.Parse(args.ElementAtOrDefault(4) ?? "1",
            System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "convergence":
        ActorMigration.Bench.Convergence.ConvergenceReport.Print(ActorMigration.Bench.Convergence.ConvergenceBench.Run(args.Contains("postcopy")),
            args.Skip(1).FirstOrDefault(a => a.EndsWith(".png", StringComparison.Ordinal)));
        break;
    default:
        Console.Error.WriteLine("modes: orchestration [n] [rounds] | memory [vms] [migrations] | qemu-live [rounds] [memoryMiB] [pollMs] [warm-up] | " +
            "clone [rounds] [data MiB] [dir]"
            + " | fuzz [requests] [seed] [hang seconds] [deep OVF levels] [sparse MiB] | failover [rounds] [source] [target] [bystander]"
            + " | lock-after-target-loss [rounds] [memoryMiB] | throughput-cluster [n] [rounds] | bystander-pause [rounds] [record-lag]"
            + " | ha-recovery [rounds]"
            + " | balance-sim [nodes] [vms] [rounds]"
            + " | scale [nodes] [vms] [migrations] | evacuate [rounds]"
            + " | convergence [plot.png] [postcopy] | convergence trace [RAM GiB] [working set %] [dirty/bandwidth]");
        return 2;
}
return 0;

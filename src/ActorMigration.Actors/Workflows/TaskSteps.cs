using ActorMigration.Actors.Balance;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Ha;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Workflows;
using ActorMigration.Domain.Workflows.Bulk;
using ActorMigration.Domain.Workflows.Evacuation;
using ActorMigration.Domain.Workflows.Migration;
using Akka.Actor;
using Akka.Hosting;

namespace ActorMigration.Actors.Workflows;

/// <summary>
/// The steps of bulk actions: read what to move (read model, nodes, stores), start, poll and abort child tasks through the
/// task router, wait for a node. The task router, read model and stores are registered after the workflow regions, so
/// they are looked up at first use.
/// </summary>
internal static class TaskSteps
{
    /// <summary>How long a child's status may take (its shard may be moving after a member's loss: then asked again).</summary>
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    public static async Task<StepResult> Run(WorkflowStep step, StepRunner runner, StepTimeouts timeouts)
    {
        var system = runner.System ?? throw new StepRefusedException("no actor system for task steps");
        var registry = ActorRegistry.For(system);
        return step switch
        {
            GatherBulkFacts s => await BulkFacts(s, registry, runner.Topology, timeouts),
            GatherEvacuationFacts s => await EvacuationFacts(s, registry, system, runner.Topology, timeouts),
            StartChildTasks s => await Start(s, registry.Get<TaskRouter>(), timeouts),
            AwaitTasks s => new TasksPolled(await Ended(s.Upids, registry.Get<TaskRouter>())),
            AbortTasks s => new TasksPolled(await AbortQueued(s.Upids, registry.Get<TaskRouter>())),
            AwaitNodeOnline s => new NodeOnlinePolled(NodeMembership.IsOnline(system, s.Node)),
            _ => throw new StepRefusedException($"no runner for step {step.GetType().Name}")
        };
    }

    private static async Task<BulkFacts> BulkFacts(GatherBulkFacts s, IActorRegistry registry, ClusterTopology topology, StepTimeouts timeouts)
    {
        var vms = (await registry.Get<ClusterReadModel>().Ask<VmList>(new ListVms(s.Node), timeouts.Default)).Vms
            .Where(v => v.Node == s.Node && v.Error is null && (s.Vms is null || s.Vms.Contains(v.VmId)));
        var running = await Running(registry, s.Node, timeouts);
        return new BulkFacts(vms.Select(v => Vm(v, running, s.Node, s.User)).ToList(), topology.StorageConfigText);
    }

    private static BulkVm Vm(VmEntry v, IReadOnlySet<int> running, string node, string user) =>
        new(v.VmId, v.ConfigText, running.Contains(v.VmId), v.Lock, UpidFactory.Next(node, "qmigrate", v.VmId.ToString(), user).ToString());

    private static async Task<IReadOnlySet<int>> Running(IActorRegistry registry, string node, StepTimeouts timeouts) =>
        (await registry.Get<HypervisorNodeRegion>().Ask<NodeVms>(new ListNodeVms(node), timeouts.Default)).Vms
            .Where(r => r.IsAlive).Select(r => r.VmId).ToHashSet();

    private static async Task<EvacuationFacts> EvacuationFacts(GatherEvacuationFacts s, IActorRegistry registry, ActorSystem system,
        ClusterTopology topology, StepTimeouts timeouts)
    {
        var config = registry.Get<ClusterConfigStore>().Ask<ClusterConfigReply>(new GetClusterConfig(), timeouts.Default);
        var ha = registry.Get<HaConfigStore>().Ask<HaConfigReply>(new GetHaConfig(), timeouts.Default);
        var all = (await registry.Get<ClusterReadModel>().Ask<VmList>(new ListVms(), timeouts.Default)).Vms.Where(v => v.Error is null).ToList();
        var (nodes, running) = await NodeCapacities.ReadAsync(system, registry.Get<HypervisorNodeRegion>(), topology.ClusterNodes, (await config).State,
            timeouts.Facts, timeouts.Default);
        var here = running.GetValueOrDefault(s.Node) ?? throw new NodeOfflineException(s.Node);
        var mine = all.Where(v => v.Node == s.Node).Select(v => Vm(v, here, s.Node, s.User)).ToList();
        var others = all.Where(v => v.Node is { } n && n != s.Node && running.TryGetValue(n, out var r) && r.Contains(v.VmId))
            .Select(v => Evacuation.DemandOf(v.VmId, v.Node!, QmConfig.Parse(v.ConfigText), true, v.Lock))
            .ToList();
        return new EvacuationFacts(mine, nodes, others, topology.StorageConfigText, (await ha).State);
    }

    private static async Task<TasksStarted> Start(StartChildTasks s, IActorRef tasks, StepTimeouts timeouts)
    {
        // A start of a UPID that already started (a retry, a restart) is answered without starting it again.
        var replies = await Task.WhenAll(s.Children.Select(async c =>
        {
            var reply = await tasks.Ask(new StartTask(c.Upid, new MigrationOrder(c.Request, c.Slot)), timeouts.Default * 2);
            return reply switch
            {
                TaskAcceptedReply => new ChildStarted(c.Upid, null),
                TaskRejectedReply r => new ChildStarted(c.Upid, r.Error),
                _ => throw new InvalidOperationException($"unexpected reply to the start of {c.Upid}: {reply}")
            };
        }));
        return new TasksStarted(replies);
    }

    /// <summary>The children that have ended; one whose status does not come (its shard is moving) counts as running.</summary>
    private static async Task<List<ChildEnded>> Ended(IReadOnlyList<string> upids, IActorRef tasks)
    {
        var statuses = await Task.WhenAll(upids.Select(u => Status(u, tasks)));
        return statuses.OfType<TaskStatusReply>()
            .Where(r => r.ExitStatus is not null && !r.Running)
            .Select(r => new ChildEnded(r.Upid, r.ExitStatus!))
            .ToList();
    }

    /// <summary>Aborts the children still waiting in the queue; the running ones finish.</summary>
    private static async Task<List<ChildEnded>> AbortQueued(IReadOnlyList<string> upids, IActorRef tasks)
    {
        var aborted = new List<ChildEnded>();
        foreach (var status in await Task.WhenAll(upids.Select(u => Status(u, tasks))))
        {
            if (status is not { Running: true } || !status.Phase.StartsWith("queued", StringComparison.Ordinal)) continue;
            await tasks.Ask<TaskStatusReply>(new AbortTask(status.Upid), StatusTimeout);
            aborted.Add(new ChildEnded(status.Upid, "received interrupt"));
        }
        return aborted;
    }

    private static async Task<TaskStatusReply?> Status(string upid, IActorRef tasks)
    {
        try
        {
            return await tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), StatusTimeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}

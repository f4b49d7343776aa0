using System.Collections.Immutable;
using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Ha;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Workflows.Evacuation;
using Akka.Actor;

namespace ActorMigration.Actors.Balance;

/// <summary>Statuses of the plan's tasks: ended (UPID → exit status, or the refusal) and those that do not exist (start lost).</summary>
public sealed record RebalanceTasks(IReadOnlyDictionary<string, string> Ended, IReadOnlyList<string> Missing);

/// <summary>What the rebalancer reads (a fake in the actor's tests).</summary>
public interface IRebalanceObserver
{
    DateTimeOffset Now { get; }

    /// <summary>The rule the watchdogs follow: act only while this member is Up with a majority.</summary>
    bool MayAct();

    /// <summary>Takes one round of usage samples into the smoothed usage (kept here, not persisted).</summary>
    Task SampleAsync(RebalanceOptions options);

    /// <summary>The planner's input: nodes, running VMs with smoothed usage, blocks, HA groups and rules, cooldowns.</summary>
    Task<BalanceObservation> ObserveAsync(RebalancerState state);

    Task<RebalanceTasks> TasksAsync(IReadOnlyList<string> upids);
}

/// <summary>
/// Reads the cluster for the rebalancer: node facts and running VMs (node router), VM configurations (read model), measured
/// usage (<see cref="GetNodeUsage"/>, smoothed by <see cref="UsageSmoother"/>), the HA and cluster configuration stores.
/// </summary>
public sealed class RebalanceObserver(ActorSystem system, IActorRef readModel, IActorRef nodes, IActorRef tasks, IActorRef haConfig,
    IActorRef clusterConfig, ClusterTopology topology, TimeProvider? time = null) : IRebalanceObserver
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private ImmutableSortedDictionary<int, SmoothedUsage> _usage = ImmutableSortedDictionary<int, SmoothedUsage>.Empty;
    private int _rounds;

    public DateTimeOffset Now => (time ?? TimeProvider.System).GetUtcNow();

    public bool MayAct()
    {
        var (up, members, unreachable) = NodeMembership.MajorityView(system);
        return Domain.Ha.FenceRules.MayPet(up, members, unreachable);
    }

    public async Task SampleAsync(RebalanceOptions options)
    {
        var at = Now;
        var asks = topology.ClusterNodes.Where(n => NodeMembership.IsOnline(system, n)).Select(async n =>
        {
            try
            {
                return (await nodes.Ask<NodeUsage>(new GetNodeUsage(n), AskTimeout)).Vms;
            }
            catch (Exception e) when (e is AskTimeoutException or NodeOperationException or NodeOfflineException)
            {
                return [];
            }
        });
        var samples = (await Task.WhenAll(asks)).SelectMany(x => x).ToList();
        _usage = UsageSmoother.Keep(UsageSmoother.Add(_usage, samples, at, TimeSpan.FromSeconds(options.Smoothing)), samples.Select(s => s.VmId).ToHashSet());
        _rounds++;
    }

    public async Task<BalanceObservation> ObserveAsync(RebalancerState state)
    {
        var ha = (await haConfig.Ask<HaConfigReply>(new GetHaConfig(), AskTimeout)).State;
        var cluster = (await clusterConfig.Ask<ClusterConfigReply>(new GetClusterConfig(), AskTimeout)).State;
        var vms = (await readModel.Ask<VmList>(new ListVms(), AskTimeout)).Vms.Where(v => v.Error is null && v.Node is not null).ToList();
        var ended = (await readModel.Ask<TaskList>(new ListTasks(IncludeRunning: false), AskTimeout)).Tasks;
        var lastMoved = Cooldown.LastMoves(state.LastMoved, ended.Select(t => (t.Type, t.Id, t.EndedAt, t.ExitStatus)));
        var (capacities, alive) = await NodeCapacities.ReadAsync(system, nodes, topology.ClusterNodes, cluster, AskTimeout, AskTimeout);
        var storage = StorageConfig.Parse(topology.StorageConfigText);
        var eligible = capacities.Where(n => n.Eligible).Select(n => n.Node).ToList();
        var demands = new List<VmDemand>();
        var blocks = new Dictionary<int, MoveBlock>();
        var groups = new Dictionary<int, Domain.Ha.HaGroup>();
        foreach (var v in vms)
        {
            if (!QmConfig.TryParse(v.ConfigText, out var cfg, out _)) continue;
            var isRunning = alive.TryGetValue(v.Node!, out var on) && on.Contains(v.VmId);
            var demand = UsageSmoother.WithUsage(Evacuation.DemandOf(v.VmId, v.Node!, cfg!, isRunning, v.Lock), _usage.GetValueOrDefault(v.VmId));
            demands.Add(demand);
            var group = Evacuation.GroupOf(ha, v.VmId);
            if (group is not null) groups[v.VmId] = group;
            if (Movability.Check(demand, cfg!, storage, group, eligible, state.Options.WithLocalDisks) is { } block) blocks[v.VmId] = block;
        }
        return new BalanceObservation(capacities, demands, blocks, groups, AffinityRules.FromHa(ha, topology.ClusterNodes.Count), lastMoved,
            _rounds >= UsageSmoother.WarmAfter);
    }

    public async Task<RebalanceTasks> TasksAsync(IReadOnlyList<string> upids)
    {
        var ended = new Dictionary<string, string>();
        var missing = new List<string>();
        foreach (var upid in upids)
        {
            TaskStatusReply s;
            try
            {
                s = await tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), AskTimeout);
            }
            catch (AskTimeoutException)
            {
                continue; // its shard may be moving: asked again next tick
            }
            if (s.Exists && !s.Running) ended[upid] = s.ExitStatus ?? "unknown";
            else if (!s.Exists && s.ExitStatus is { } refused) ended[upid] = refused;
            else if (!s.Exists) missing.Add(upid);
        }
        return new RebalanceTasks(ended, missing);
    }
}

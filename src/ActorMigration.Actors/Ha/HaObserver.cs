using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Actors.Workflows;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Tasks;
using Akka.Actor;

namespace ActorMigration.Actors.Ha;

/// <summary>
/// One observation for the HA manager, or none when this member may not act (not Up with a majority).
/// <paramref name="Missing"/>: recovery tasks that do not exist (their start was lost with a member).
/// </summary>
public sealed record HaObserved(HaObservation? Observation, IReadOnlyList<string> Missing);

/// <summary>What the HA manager reads each tick (a fake in the actor's tests).</summary>
public interface IHaObserver
{
    /// <param name="running">The recovery tasks the manager waits for.</param>
    Task<HaObserved> GatherAsync(HaManagerState state, IReadOnlyList<string> running);
}

/// <summary>
/// Reads what the HA manager decides on: the HA configuration, where the HA VMs' records are (this member's read model),
/// which nodes an Up member reachable from here hosts, the leases of the others (journal database), the free memory of
/// the candidates (only while some node is not online), and the status of the running recovery tasks.
/// </summary>
public sealed class HaObserver(ActorSystem system, IActorRef config, IActorRef readModel, IActorRef nodes, IActorRef tasks,
    ClusterTopology topology, TimeProvider? time = null) : IHaObserver
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    public async Task<HaObserved> GatherAsync(HaManagerState state, IReadOnlyList<string> running)
    {
        if (!MayAct()) return new HaObserved(null, []);
        var cfg = (await config.Ask<HaConfigReply>(new GetHaConfig(), AskTimeout)).State;
        var vms = cfg.Resources.IsEmpty && state.Services.IsEmpty && state.Nodes.IsEmpty
            ? []
            : (await readModel.Ask<VmList>(new ListVms(), AskTimeout)).Vms;
        var online = topology.ClusterNodes.ToDictionary(n => n, n => NodeMembership.IsOnline(system, n));
        var anyLost = online.Values.Any(o => !o);
        var free = anyLost && vms.Count > 0 ? await FreeMemoryAsync(online.Where(kv => kv.Value).Select(kv => kv.Key), vms) : [];
        var maintenance = await MaintenanceAsync();
        var views = new Dictionary<string, HaNodeView>();
        foreach (var (node, up) in online)
        {
            var (lease, expires) = up ? (HaLease.NotHeld, null) : await HaLeases.Get(system).ReadAsync(node, CancellationToken.None);
            views[node] = new HaNodeView(node, up, maintenance.IsInMaintenance(node), lease, expires, free.TryGetValue(node, out var f) ? f : null);
        }
        var wanted = cfg.Resources.Values.Select(r => r.VmId).Concat(state.Services.Keys.Select(HaSid.VmIdOf)).ToHashSet();
        var vmViews = vms.Where(v => v.Node is not null && wanted.Contains(v.VmId))
            .ToDictionary(v => v.VmId, v => new HaVmView(v.VmId, v.Node!, v.Lock is not null));
        var (taskViews, missing) = await TasksAsync(running);
        var at = (time ?? TimeProvider.System).GetUtcNow();
        return new HaObserved(new HaObservation(at, cfg, views, vmViews, taskViews), missing);
    }

    private readonly LastSeen<Domain.Balance.ClusterConfigState> _config = new();

    /// <summary>The nodes in maintenance from the cluster configuration store, or the last state read while it moves.</summary>
    private async Task<Domain.Balance.ClusterConfigState> MaintenanceAsync()
    {
        if (!Akka.Hosting.ActorRegistry.For(system).TryGet<Balance.ClusterConfigStore>(out var store)) return Domain.Balance.ClusterConfigState.Empty;
        try
        {
            return await _config.AskAsync<Balance.ClusterConfigReply>(store, new Balance.GetClusterConfig(), r => r.State, AskTimeout);
        }
        catch (AskTimeoutException)
        {
            return Domain.Balance.ClusterConfigState.Empty; // never read yet
        }
    }

    /// <summary>The rule the watchdogs follow: the manager acts only while its member is Up with a majority.</summary>
    private bool MayAct()
    {
        var (up, members, unreachable) = NodeMembership.MajorityView(system);
        return FenceRules.MayPet(up, members, unreachable);
    }

    /// <summary>Each online node's memory less the configured memory of the VMs whose records it holds; absent when it did not answer.</summary>
    private async Task<Dictionary<string, long>> FreeMemoryAsync(IEnumerable<string> online, IReadOnlyList<VmEntry> vms)
    {
        var used = vms.Where(v => v.Node is not null).GroupBy(v => v.Node!).ToDictionary(g => g.Key, g => g.Sum(v => MemoryOf(v.ConfigText)));
        var asks = online.Select(async n =>
        {
            try
            {
                var facts = await nodes.Ask<NodeFacts>(new GetNodeFacts(n), AskTimeout);
                return (n, (long?)(facts.MaxMem - used.GetValueOrDefault(n)));
            }
            catch (Exception e) when (e is AskTimeoutException or NodeOperationException or NodeOfflineException)
            {
                return (n, null);
            }
        }).ToList();
        var result = new Dictionary<string, long>();
        foreach (var (n, free) in await Task.WhenAll(asks))
            if (free is { } f) result[n] = f;
        return result;
    }

    private static long MemoryOf(string configText) =>
        QmConfig.TryParse(configText, out var cfg, out _) ? VmMemory.Bytes(cfg!.Main) : VmMemory.DefaultBytes;

    private async Task<(Dictionary<string, HaTaskView>, List<string>)> TasksAsync(IReadOnlyList<string> running)
    {
        var views = new Dictionary<string, HaTaskView>();
        var missing = new List<string>();
        foreach (var upid in running)
        {
            TaskStatusReply status;
            try
            {
                status = await tasks.Ask<TaskStatusReply>(new GetTaskStatus(upid), AskTimeout);
            }
            catch (AskTimeoutException)
            {
                continue;
            }
            if (status.Exists && !status.Running)
                views[upid] = new HaTaskView(upid, true, TaskLog.IsOk(status.ExitStatus) ? null : status.ExitStatus ?? "unknown");
            else if (!status.Exists && status.ExitStatus is { } refused) views[upid] = new HaTaskView(upid, true, refused);
            else if (!status.Exists) missing.Add(upid);
        }
        return (views, missing);
    }
}

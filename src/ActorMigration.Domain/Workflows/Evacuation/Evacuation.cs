using System.Globalization;
using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Storage;
using ActorMigration.Domain.Workflows.Bulk;

namespace ActorMigration.Domain.Workflows.Evacuation;

/// <summary>
/// What an evacuation round plans from: the node's VMs (with fresh child UPIDs), every node's capacity (maintenance
/// flags included), the running VMs of the other nodes, the storage configuration and the HA configuration.
/// </summary>
public sealed record EvacuationFacts(
    IReadOnlyList<BulkVm> Vms, IReadOnlyList<NodeCapacity> Nodes, IReadOnlyList<VmDemand> Others, string StorageConfigText, HaConfigState Ha)
    : StepResult;

/// <summary>The evacuation's pure planning: which VM goes where, which stays and why.</summary>
public static class Evacuation
{
    /// <summary>Rounds at most: a round after the first retries what failed for a transient reason.</summary>
    public const int MaxRounds = 5;

    /// <summary>
    /// One round: each VM (in vmid order) is checked by <see cref="Movability"/>, then placed by <see cref="Placement.Best"/>
    /// on a projected board (configured memory and cores, like Proxmox's static CRS), so the VMs spread over the nodes.
    /// </summary>
    public static BulkRound PlanRound(int round, string node, bool withLocalDisks, EvacuationFacts f)
    {
        var storage = StorageConfig.Parse(f.StorageConfigText);
        var vms = f.Vms.OrderBy(v => v.VmId)
            .Select(v => (Vm: v, Cfg: QmConfig.Parse(v.ConfigText)))
            .Select(x => (x.Vm, x.Cfg, Demand: DemandOf(x.Vm.VmId, node, x.Cfg, x.Vm.Running, x.Vm.Lock)))
            .ToList();
        var board = new ScoreBoard(f.Nodes, f.Others.Concat(vms.Select(v => v.Demand)), 0.5, 0.5);
        var rules = new PlacementRules(f.Nodes, vmid => GroupOf(f.Ha, vmid), []);
        var eligible = f.Nodes.Where(n => n.Eligible && n.Node != node).Select(n => n.Node).ToList();
        var location = f.Others.Concat(vms.Select(v => v.Demand)).ToDictionary(v => v.VmId, v => v.Node);
        var children = new List<BulkChild>();
        var skipped = new List<BulkSkip>();
        foreach (var (vm, cfg, demand) in vms)
        {
            var block = Movability.Check(demand, cfg, storage, GroupOf(f.Ha, vm.VmId), eligible, withLocalDisks);
            if (block is null)
            {
                var (best, refusals) = Placement.Best([demand], eligible, board, rules, id => location.GetValueOrDefault(id));
                if (best is null) block = Movability.NoRoom(demand, refusals.Count > 0 ? refusals : ["no other node"]);
                else
                {
                    board.Move(node, best, demand.Running ? demand.Mem : 0, demand.Running ? demand.Cpu : 0, demand.Running ? demand.ConfigMem : 0);
                    location[vm.VmId] = best;
                    children.Add(new BulkChild(vm.VmId, best, vm.ChildUpid, vm.Running));
                    continue;
                }
            }
            skipped.Add(new BulkSkip(vm.VmId, block.Reason, block.Kind));
        }
        return new BulkRound(round, children, skipped);
    }

    /// <summary>A VM's demand from its config: configured memory and vCPUs (<c>vcpus</c>, else sockets × cores).</summary>
    public static VmDemand DemandOf(int vmid, string node, QmConfig cfg, bool running, string? lockName)
    {
        var c = cfg.Main;
        var cores = Int(c["cores"]) ?? 1;
        var sockets = Int(c["sockets"]) ?? 1;
        return new VmDemand(vmid, node, running, VmMemory.Bytes(c), Int(c["vcpus"]) ?? sockets * cores, null, null, lockName);
    }

    private static int? Int(string? s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    public static HaGroup? GroupOf(HaConfigState ha, int vmid) =>
        ha.ResourceOfVm(vmid)?.Group is { } g ? ha.Groups.GetValueOrDefault(g) : null;

    /// <summary>A round is followed by another when a child failed or a VM was locked (both may pass).</summary>
    public static bool WantsAnother(BulkRound r, BulkRun run) =>
        r.Children.Any(c => run.Ended.TryGetValue(c.Upid, out var exit) && !Tasks.TaskLog.IsOk(exit))
        || r.Skipped.Any(k => k.Kind == MoveBlockKinds.Locked);
}

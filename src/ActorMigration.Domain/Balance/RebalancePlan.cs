using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Balance;

/// <summary>
/// What the planner sees: nodes, VMs (with smoothed usage), static blocks from <see cref="Movability"/> by vmid, the HA
/// group of each grouped VM, affinity rules, the last successful migration per VM, and whether usage is warm.
/// </summary>
public sealed record BalanceObservation(
    IReadOnlyList<NodeCapacity> Nodes,
    IReadOnlyList<VmDemand> Vms,
    IReadOnlyDictionary<int, MoveBlock> Blocks,
    IReadOnlyDictionary<int, HaGroup> Groups,
    IReadOnlyList<AffinityRule> Rules,
    IReadOnlyDictionary<int, DateTimeOffset> LastMoved,
    bool Warm = true);

/// <summary>
/// One planned migration. <see cref="Gain"/> is the score drop of its unit (a keep-together group moves as one unit:
/// its VMs share the gain); <see cref="ScoreAfter"/> is the projected score once it and all earlier moves ran.
/// </summary>
public sealed record PlannedMove(int Seq, int VmId, string From, string To, double Gain, double ScoreAfter, string Reason);

/// <summary>A plan: scores, moves in order, VMs that cannot move (with reasons), and why planning stopped.</summary>
public sealed record RebalancePlan(double ScoreBefore, double ScoreAfter, IReadOnlyList<PlannedMove> Moves, IReadOnlyList<MoveBlock> Blocked, string Stop);

using ActorMigration.Domain.Balance;

namespace ActorMigration.Actors.Balance;

/// <summary>Messages of the rebalancer singleton (bound to our serializer).</summary>
public interface IRebalancerMessage;

/// <summary>→ <see cref="RebalancerStatusReply"/>.</summary>
public sealed record GetRebalancer : IRebalancerMessage;

public sealed record RebalancerStatusReply(RebalancerState State) : IRebalancerMessage;

/// <summary>A dry run on the current observation: → <see cref="RebalanceDryRun"/> or <see cref="RebalanceRefused"/>; persists nothing.</summary>
public sealed record PlanRebalance(int? MaxMoves) : IRebalancerMessage;

/// <summary>The plan, its digest (SHA-1 of its moves) and the nodes' loads as the planner saw them.</summary>
public sealed record RebalanceDryRun(RebalancePlan Plan, string Digest, double Threshold, double Target, IReadOnlyList<NodeLoad> Nodes)
    : IRebalancerMessage;

/// <summary>A node's load share (memory, CPU) as the score counts it.</summary>
public sealed record NodeLoad(string Node, double Mem, double Cpu, bool Maintenance);

/// <summary>Plan now and apply: → <see cref="RebalanceApplied"/> (the moves' UPIDs) or <see cref="RebalanceRefused"/>.</summary>
public sealed record ApplyRebalance(string User, string? Digest) : IRebalancerMessage;

public sealed record RebalanceApplied(IReadOnlyList<string> Upids) : IRebalancerMessage;

/// <summary>Refused with Proxmox-style text (the API answers 500 with it); nothing changed.</summary>
public sealed record RebalanceRefused(string Error) : IRebalancerMessage;

/// <summary>→ <see cref="RebalancerStatusReply"/> or <see cref="RebalanceRefused"/> (invalid options).</summary>
public sealed record SetRebalancerOptions(RebalanceOptions Options) : IRebalancerMessage;

/// <summary>The dry run's shape and its digest: SHA-1 over the moves (<c>vmid:from:to</c> lines), as the API shows it.</summary>
public static class RebalanceDigest
{
    public static string Of(RebalancePlan plan) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Concat(plan.Moves.Select(m => $"{m.VmId}:{m.From}:{m.To}\n")))));

    public static RebalanceDryRun DryRun(BalanceObservation o, RebalancePlan plan, RebalanceOptions opt)
    {
        var board = new ScoreBoard(o.Nodes, o.Vms, opt.MemWeight, opt.CpuWeight);
        var nodes = o.Nodes.Select(n => new NodeLoad(n.Node, board.MemUtil(n.Node), board.CpuUtil(n.Node), n.Maintenance)).ToList();
        return new RebalanceDryRun(plan, Of(plan), opt.Threshold, opt.Target, nodes);
    }
}

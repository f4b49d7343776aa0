using System.Collections.Immutable;

namespace ActorMigration.Domain.Balance;

/// <summary>The active plan and the exit status of each of its moves that ended, by seq.</summary>
public sealed record ActiveRebalancePlan(RebalancePlanRecord Plan, ImmutableDictionary<int, string> Ended)
{
    public IEnumerable<RebalanceMove> Unended => Plan.Moves.Where(m => !Ended.ContainsKey(m.Seq));
}

/// <summary>A past plan as the API lists it.</summary>
public sealed record RebalancePlanSummary(long PlanId, DateTimeOffset At, string Trigger, string Status, int Moves, int Failed,
    double ScoreBefore, double ScoreAfter, DateTimeOffset EndedAt);

/// <summary>
/// The rebalancer's persisted state (snapshot <c>rb.state</c>): options, counters (the UPIDs' sequence), the active plan,
/// the last 20 plans and the last successful rebalance move per VM (for the cooldown).
/// </summary>
public sealed record RebalancerState(RebalanceOptions Options, long Moves, long Plans, ActiveRebalancePlan? Active,
    ImmutableList<RebalancePlanSummary> History, ImmutableDictionary<int, DateTimeOffset> LastMoved)
{
    public const int HistoryLength = 20;

    public static readonly RebalancerState Empty = new(RebalanceOptions.Default, 0, 0, null, [], ImmutableDictionary<int, DateTimeOffset>.Empty);
}

using System.Globalization;
using ActorMigration.Domain.Tasks;

namespace ActorMigration.Domain.Balance;

/// <summary>What the rebalancer singleton is told: set options, persist a plan, a move's task ended, abort.</summary>
public interface IRebalancerInput;

public sealed record SetRebalanceOptions(RebalanceOptions Options) : IRebalancerInput;

/// <summary>Persist <paramref name="Plan"/> (from <see cref="RebalancePlanner"/>) with UPIDs for its moves.</summary>
public sealed record PersistRebalancePlan(RebalancePlan Plan, string Trigger, string User, DateTimeOffset At) : IRebalancerInput;

/// <summary>The task <paramref name="Upid"/> ended with <paramref name="ExitStatus"/> (or was refused: its reason).</summary>
public sealed record RebalanceTaskEnded(string Upid, string ExitStatus, DateTimeOffset At) : IRebalancerInput;

public sealed record AbortRebalance(DateTimeOffset At) : IRebalancerInput;

/// <summary>
/// The rebalancer's rules (design15 §4.3), pure: a plan is persisted with its UPIDs before any start; a move ends once;
/// the plan ends when all its moves ended (<c>ok</c> or <c>problems</c>: one failed move does not cancel the others, they
/// are independent). After a restart the actor re-sends <see cref="ToStart"/> (exactly the unended moves); a start of an
/// existing UPID is answered without starting again.
/// </summary>
public static class Rebalancer
{
    public const string TaskType = "qmigrate";

    public static (IReadOnlyList<IRebalancerEvent> Events, string? Error) Decide(RebalancerState s, IRebalancerInput input) => input switch
    {
        SetRebalanceOptions c => c.Options.Validate() is { Count: > 0 } errors
            ? ([], string.Join("; ", errors.Select(kv => $"{kv.Key}: {kv.Value}")))
            : ([new RebalanceOptionsSet(c.Options)], null),
        PersistRebalancePlan c when s.Active is { } a => ([], $"rebalance plan {a.Plan.PlanId} is still running"),
        PersistRebalancePlan c when s.Options.Mode == RebalanceModes.Off => ([], "rebalancer is off (mode=off)"),
        PersistRebalancePlan c => c.Plan.Moves.Count == 0 ? ([], null) : ([new RebalancePlanned(Record(s, c))], null),
        RebalanceTaskEnded c => Ended(s, c),
        AbortRebalance c => s.Active is { } a ? ([new RebalancePlanEnded(a.Plan.PlanId, "aborted", c.At)], null) : ([], null),
        _ => ([], $"unknown rebalancer input {input.GetType().Name}"),
    };

    /// <summary>The moves to (re-)send a start for: those of the active plan that have not ended.</summary>
    public static IReadOnlyList<RebalanceMove> ToStart(RebalancerState s) => s.Active?.Unended.ToList() ?? [];

    public static RebalancerState Apply(RebalancerState s, IRebalancerEvent e) => e switch
    {
        RebalanceOptionsSet o => s with { Options = o.Options },
        RebalancePlanned p => s with
        {
            Active = new ActiveRebalancePlan(p.Plan, System.Collections.Immutable.ImmutableDictionary<int, string>.Empty),
            Plans = Math.Max(s.Plans, p.Plan.PlanId),
            Moves = s.Moves + p.Plan.Moves.Count,
        },
        RebalanceMoveEnded m when s.Active is { } a && a.Plan.PlanId == m.PlanId => s with
        {
            Active = a with { Ended = a.Ended.SetItem(m.Seq, m.ExitStatus) },
            LastMoved = m.ExitStatus == "OK" && a.Plan.Moves.FirstOrDefault(x => x.Seq == m.Seq) is { } mv
                ? s.LastMoved.SetItem(mv.VmId, m.At)
                : s.LastMoved,
        },
        RebalancePlanEnded x when s.Active is { } a && a.Plan.PlanId == x.PlanId => s with
        {
            Active = null,
            History = s.History.Insert(0, new RebalancePlanSummary(a.Plan.PlanId, a.Plan.At, a.Plan.Trigger, x.Status, a.Plan.Moves.Count,
                a.Ended.Values.Count(v => v != "OK"), a.Plan.ScoreBefore, a.Plan.ScoreAfter, x.At)).Take(RebalancerState.HistoryLength).ToImmutableListOf(),
        },
        _ => s,
    };

    private static RebalancePlanRecord Record(RebalancerState s, PersistRebalancePlan c)
    {
        var moves = c.Plan.Moves.Select(m => new RebalanceMove(m.Seq, m.VmId, m.From, m.To,
            new Upid(m.From, 0, s.Moves + m.Seq, c.At.ToUnixTimeSeconds(), TaskType, m.VmId.ToString(CultureInfo.InvariantCulture), c.User).ToString(),
            m.Gain, m.ScoreAfter, m.Reason)).ToList();
        return new RebalancePlanRecord(s.Plans + 1, c.At, c.Trigger, c.User, c.Plan.ScoreBefore, c.Plan.ScoreAfter, moves);
    }

    private static (IReadOnlyList<IRebalancerEvent>, string?) Ended(RebalancerState s, RebalanceTaskEnded c)
    {
        if (s.Active is not { } a || a.Plan.Moves.FirstOrDefault(m => m.Upid == c.Upid) is not { } move || a.Ended.ContainsKey(move.Seq)) return ([], null);
        var ended = new RebalanceMoveEnded(a.Plan.PlanId, move.Seq, move.Upid, c.ExitStatus, c.At);
        if (a.Ended.Count + 1 < a.Plan.Moves.Count) return ([ended], null);
        var ok = c.ExitStatus == "OK" && a.Ended.Values.All(v => v == "OK");
        return ([ended, new RebalancePlanEnded(a.Plan.PlanId, ok ? "ok" : "problems", c.At)], null);
    }

    private static System.Collections.Immutable.ImmutableList<T> ToImmutableListOf<T>(this IEnumerable<T> xs) =>
        System.Collections.Immutable.ImmutableList.CreateRange(xs);
}

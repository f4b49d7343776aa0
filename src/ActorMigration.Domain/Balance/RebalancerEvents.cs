namespace ActorMigration.Domain.Balance;

/// <summary>An event of the rebalancer singleton (persistence id <c>rebalancer</c>).</summary>
public interface IRebalancerEvent;

/// <summary>One planned migration with its UPID, assigned before anything starts.</summary>
public sealed record RebalanceMove(int Seq, int VmId, string From, string To, string Upid, double Gain, double ScoreAfter, string Reason);

/// <summary>A persisted plan: <paramref name="Trigger"/> <c>auto</c> or <c>manual</c>.</summary>
public sealed record RebalancePlanRecord(long PlanId, DateTimeOffset At, string Trigger, string User, double ScoreBefore, double ScoreAfter,
    IReadOnlyList<RebalanceMove> Moves);

public sealed record RebalanceOptionsSet(RebalanceOptions Options) : IRebalancerEvent;

/// <summary>Written before any of its migrations is started.</summary>
public sealed record RebalancePlanned(RebalancePlanRecord Plan) : IRebalancerEvent;

/// <summary>A move's task ended (or was refused); <paramref name="ExitStatus"/> is the task's (<c>OK</c> when it went well).</summary>
public sealed record RebalanceMoveEnded(long PlanId, int Seq, string Upid, string ExitStatus, DateTimeOffset At) : IRebalancerEvent;

/// <summary>Status <c>ok</c> (every move OK), <c>problems</c> (some failed) or <c>aborted</c>.</summary>
public sealed record RebalancePlanEnded(long PlanId, string Status, DateTimeOffset At) : IRebalancerEvent;

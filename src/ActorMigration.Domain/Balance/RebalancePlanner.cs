using System.Globalization;

namespace ActorMigration.Domain.Balance;

/// <summary>
/// Plans rebalancing moves (design15 §4.2), deterministically. Nothing when usage is not warm or the score is at most
/// <c>threshold</c>; otherwise greedy: from the (at most 3) nodes loaded above the mean, the movable, unlocked, running
/// VM unit out of cooldown whose allowed move gains most (ties: less memory, vmid, node name), until the score is at most
/// <c>target</c>, <c>max-moves</c> is reached, or the best gain is below <see cref="MinGain"/>. Hysteresis (threshold &gt;
/// target), min-gain and the cooldown keep a noisy balanced cluster from moving VMs back and forth.
/// </summary>
public static class RebalancePlanner
{
    private const int HeavyNodes = 3;
    private const double Epsilon = 1e-12;

    public static RebalancePlan Plan(BalanceObservation o, RebalanceOptions opt, DateTimeOffset at, int? maxMoves = null)
    {
        var board = new ScoreBoard(o.Nodes, o.Vms, opt.MemWeight, opt.CpuWeight);
        var before = board.Score;
        var blocked = Blocked(o);
        if (!o.Warm) return new RebalancePlan(before, before, [], blocked, "not warm: usage has too few samples yet");
        if (before <= opt.Threshold)
            return new RebalancePlan(before, before, [], blocked, $"balanced: score {F3(before)} ≤ threshold {F3(opt.Threshold)}");

        var rules = new PlacementRules(o.Nodes, vmid => o.Groups.GetValueOrDefault(vmid), o.Rules, opt.MemOvercommit);
        var location = o.Vms.ToDictionary(v => v.VmId, v => v.Node);
        string? LocationOf(int vmid) => location.GetValueOrDefault(vmid);
        var units = PlanCandidates.Units(o, board, opt, at);
        var moved = new HashSet<int>();
        var moves = new List<PlannedMove>();
        var limit = maxMoves ?? opt.MaxMoves;
        var minGain = MinGain(opt, board);
        var stop = $"reached target: score ≤ {F3(opt.Target)}";
        while (board.Score > opt.Target)
        {
            if (moves.Count >= limit)
            {
                stop = $"max-moves {limit} reached";
                break;
            }
            var best = BestMove(board, units, moved, rules, LocationOf, limit - moves.Count);
            if (best is not { } b || b.Gain < minGain)
            {
                stop = $"no move gains at least min-gain {F3(opt.MinGain)} / {board.Nodes.Count} nodes";
                break;
            }
            var reason = Reason(board, b);
            var u = b.Unit;
            board.Move(u.Node, b.To, u.Mem, u.Cpu, u.ConfigMem);
            foreach (var v in u.Vms)
            {
                location[v.VmId] = b.To;
                moved.Add(v.VmId);
            }
            var after = board.Score;
            var others = u.Vms.Count > 1 ? $" (keep-together with VM {string.Join(",", u.Vms.Select(v => v.VmId))})" : "";
            foreach (var v in u.Vms)
                moves.Add(new PlannedMove(moves.Count + 1, v.VmId, u.Node, b.To, b.Gain, after,
                    $"{reason}; score {F3(after + b.Gain)}→{F3(after)} (gain {F3(b.Gain)}){others}"));
        }
        return new RebalancePlan(before, board.Score, moves, blocked, stop);
    }

    /// <summary>
    /// The least gain a move must bring: <c>min-gain / N</c> over N eligible nodes. One VM's move changes σ by about
    /// its share of a node divided by N, so this asks the same relative effect of a move on 5 nodes as on 50.
    /// </summary>
    public static double MinGain(RebalanceOptions opt, ScoreBoard board) => opt.MinGain / Math.Max(1, board.Nodes.Count);

    private readonly record struct Candidate(PlanUnit Unit, string To, double Gain);

    private static Candidate? BestMove(ScoreBoard board, IReadOnlyDictionary<string, List<PlanUnit>> units, HashSet<int> moved,
        PlacementRules rules, Func<int, string?> locationOf, int room)
    {
        var mean = board.MeanLoad;
        var heavy = board.Nodes.Select(n => n.Node).Where(n => board.Load(n) > mean + Epsilon)
            .OrderByDescending(board.Load).ThenBy(n => n, StringComparer.Ordinal).Take(HeavyNodes);
        var score = board.Score;
        Candidate? best = null;
        var allowed = new List<string>();
        foreach (var h in heavy)
        {
            if (!units.TryGetValue(h, out var list)) continue;
            foreach (var u in list)
            {
                // A keep-together unit moves whole within max-moves, or not at all.
                if (u.Vms.Count > room || u.Vms.Any(v => moved.Contains(v.VmId))) continue;
                if (u.Group is null)
                {
                    // No priority classes: check the hard constraints only for a move that would win (the costly part).
                    foreach (var n in board.Nodes)
                    {
                        if (!u.KeepsTogether(n.Node, locationOf)) continue;
                        var c = new Candidate(u, n.Node, score - board.ScoreAfter(h, n.Node, u.Mem, u.Cpu));
                        if ((best is not { } b || Better(c, b)) && Placement.Allowed(u.Vms, n.Node, board, rules, locationOf) is null) best = c;
                    }
                    continue;
                }
                allowed.Clear();
                foreach (var n in board.Nodes)
                    if (u.KeepsTogether(n.Node, locationOf) && Placement.Allowed(u.Vms, n.Node, board, rules, locationOf) is null) allowed.Add(n.Node);
                if (allowed.Count == 0) continue;
                var top = allowed.Max(n => Placement.Priority(u.Group, n));
                foreach (var t in allowed)
                {
                    if (Placement.Priority(u.Group, t) != top) continue;
                    var c = new Candidate(u, t, score - board.ScoreAfter(h, t, u.Mem, u.Cpu));
                    if (best is not { } b || Better(c, b)) best = c;
                }
            }
        }
        return best;
    }

    // Larger gain; ties: less configured memory (cheaper move), lower vmid, node name.
    private static bool Better(Candidate c, Candidate b)
    {
        if (Math.Abs(c.Gain - b.Gain) > Epsilon) return c.Gain > b.Gain;
        if (c.Unit.ConfigMem != b.Unit.ConfigMem) return c.Unit.ConfigMem < b.Unit.ConfigMem;
        if (c.Unit.VmId != b.Unit.VmId) return c.Unit.VmId < b.Unit.VmId;
        return string.CompareOrdinal(c.To, b.To) < 0;
    }

    // "node1 mem 92%→71% cpu 40%→33%, node3 mem 12%→33% cpu 5%→12%"
    private static string Reason(ScoreBoard board, Candidate c)
    {
        var (from, to, m, cpu) = (c.Unit.Node, c.To, c.Unit.Mem, c.Unit.Cpu);
        var f = board.Node(from)!;
        var t = board.Node(to)!;
        var (fm, fc, tm, tc) = (board.MemUtil(from), board.CpuUtil(from), board.MemUtil(to), board.CpuUtil(to));
        return $"{from} mem {P(fm)}→{P(fm - m / f.MaxMem)} cpu {P(fc)}→{P(fc - cpu / f.MaxCpu)}, "
            + $"{to} mem {P(tm)}→{P(tm + m / t.MaxMem)} cpu {P(tc)}→{P(tc + cpu / t.MaxCpu)}";
    }

    private static List<MoveBlock> Blocked(BalanceObservation o)
    {
        var list = o.Blocks.Values.ToList();
        list.AddRange(o.Vms.Where(v => v.Lock is not null && !o.Blocks.ContainsKey(v.VmId)).Select(v => Movability.Locked(v, v.Lock!)));
        return list.OrderBy(b => b.VmId).ToList();
    }

    private static string P(double u) => Math.Round(u * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    internal static string F3(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
}

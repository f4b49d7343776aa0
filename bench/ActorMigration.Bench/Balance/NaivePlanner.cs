using ActorMigration.Domain.Balance;

namespace ActorMigration.Bench.Balance;

/// <summary>
/// The baseline: the largest VM (memory) from the most to the least loaded node while that lowers the score and the score is
/// above target; no threshold (hysteresis), no min-gain, no cooldown, no smoothing. Memory room is still respected.
/// </summary>
public static class NaivePlanner
{
    public static List<(int VmId, string From, string To)> Plan(IReadOnlyList<NodeCapacity> nodes, IReadOnlyList<VmDemand> vms,
        RebalanceOptions opt, int maxMoves)
    {
        var board = new ScoreBoard(nodes, vms, opt.MemWeight, opt.CpuWeight);
        var on = nodes.ToDictionary(n => n.Node, n => vms.Where(v => v.Node == n.Node && v.Running).OrderByDescending(v => v.Mem).ThenBy(v => v.VmId).ToList());
        var moves = new List<(int, string, string)>();
        while (moves.Count < maxMoves && board.Score > opt.Target)
        {
            var ordered = nodes.Select(n => n.Node).OrderByDescending(board.Load).ThenBy(n => n, StringComparer.Ordinal).ToList();
            var (from, to) = (ordered[0], ordered[^1]);
            var room = (long)(board.Node(to)!.MaxMem * opt.MemOvercommit) - board.Committed(to);
            var vm = on[from].FirstOrDefault(v => v.ConfigMem <= room);
            if (vm is null || board.ScoreAfter(from, to, vm.Mem, vm.Cpu) >= board.Score) break;
            board.Move(from, to, vm.Mem, vm.Cpu, vm.ConfigMem);
            on[from].Remove(vm);
            on[to].Add(vm with { Node = to });
            on[to].Sort((a, b) => b.Mem.CompareTo(a.Mem) is var c && c != 0 ? c : a.VmId.CompareTo(b.VmId));
            moves.Add((vm.VmId, from, to));
        }
        return moves;
    }
}

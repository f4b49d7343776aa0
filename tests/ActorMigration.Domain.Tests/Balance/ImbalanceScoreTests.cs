using ActorMigration.Domain.Balance;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>The score formula, checked against hand-computed values, and the O(1) board against a full recount.</summary>
public class ImbalanceScoreTests
{
    [Fact]
    public void Score_equals_a_hand_computed_value()
    {
        // m = (0.5, 0.25, 0), mean 0.25, σ = sqrt((0.0625 + 0 + 0.0625) / 3) = 0.204124
        // c = (0.25, 0.25, 0), mean 1/6, σ = sqrt((1/144 + 1/144 + 1/36) / 3) = 0.117851
        List<NodeCapacity> nodes = [Node("a", 64, 16), Node("b", 64, 16), Node("c", 64, 16), Node("off", online: false)];
        var vms = new[] { Vm(1, "a", 32, 4), Vm(2, "b", 16, 4), Vm(3, "c", 8, 2, running: false), Vm(4, "off", 64, 16) };
        var board = new ScoreBoard(nodes, vms, 0.5, 0.5);
        var expected = 0.5 * Math.Sqrt(0.125 / 3) + 0.5 * Math.Sqrt((2.0 / 144 + 1.0 / 36) / 3);
        Assert.Equal(0.16098758, expected, 7);
        Assert.Equal(expected, board.Score, 9);
        Assert.Equal(expected, ImbalanceScore.Of([(0.5, 0.25), (0.25, 0.25), (0, 0)], 1, 1), 9);
        Assert.Equal(Math.Sqrt(0.125 / 3), new ScoreBoard(nodes, vms, 1, 0).Score, 9);
    }

    [Fact]
    public void Measured_use_counts_else_configured_values()
    {
        var vm = new VmDemand(1, "a", true, 8 * GiB, 4, null, null);
        Assert.Equal(8.0 * GiB, vm.Mem);
        Assert.Equal(4, vm.Cpu);
        Assert.Equal(2.0 * GiB, (vm with { MemUsed = 2 * GiB }).Mem);
    }

    [Fact]
    public void The_board_after_moves_matches_a_fresh_count()
    {
        List<NodeCapacity> nodes = [Node("a"), Node("b", 32, 8), Node("c", 128, 32)];
        var rnd = new Random(7);
        var vms = Enumerable.Range(1, 40).Select(i => Vm(i, nodes[rnd.Next(3)].Node, rnd.Next(1, 8), rnd.NextDouble() * 3)).ToList();
        var board = new ScoreBoard(nodes, vms, 0.3, 0.7);
        for (var k = 0; k < 20; k++)
        {
            var i = rnd.Next(vms.Count);
            var to = nodes[rnd.Next(3)].Node;
            var predicted = board.ScoreAfter(vms[i].Node, to, vms[i].Mem, vms[i].Cpu);
            board.Move(vms[i].Node, to, vms[i].Mem, vms[i].Cpu, vms[i].ConfigMem);
            vms[i] = vms[i] with { Node = to };
            Assert.Equal(predicted, board.Score, 9);
            Assert.Equal(new ScoreBoard(nodes, vms, 0.3, 0.7).Score, board.Score, 9);
        }
    }

    [Fact]
    public void Cooldown_allows_after_the_period_only()
    {
        var cd = TimeSpan.FromMinutes(30);
        Assert.True(Cooldown.Allows(null, At, cd));
        Assert.False(Cooldown.Allows(At.AddMinutes(-29), At, cd));
        Assert.True(Cooldown.Allows(At.AddMinutes(-30), At, cd));
        Assert.False(Cooldown.Allows(7, new Dictionary<int, DateTimeOffset> { [7] = At }, At, cd));
    }

    [Fact]
    public void Every_move_that_went_well_counts_for_the_cooldown_the_latest_wins()
    {
        var own = new Dictionary<int, DateTimeOffset> { [7] = At.AddMinutes(-40), [8] = At.AddMinutes(-5) };
        var last = Cooldown.LastMoves(own,
        [
            ("qmigrate", "7", At.AddMinutes(-10), "OK"), ("hamigrate", "9", At.AddMinutes(-2), "WARNINGS: 1"),
            ("qmigrate", "8", At.AddMinutes(-20), "OK"), ("qmigrate", "10", At.AddMinutes(-1), "migration aborted"),
            ("qmstart", "11", At.AddMinutes(-1), "OK"), ("qmigrate", "12", null, null), ("vzdump", "x", At, "OK"),
        ]);
        Assert.Equal(new Dictionary<int, DateTimeOffset> { [7] = At.AddMinutes(-10), [8] = At.AddMinutes(-5), [9] = At.AddMinutes(-2) }, last);
        Assert.False(Cooldown.Allows(7, last, At, TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void Options_defaults_and_validation_texts()
    {
        var d = RebalanceOptions.Default;
        Assert.Equal((RebalanceModes.Manual, 300, 0.10, 0.05, 0.005, 10, 1800), (d.Mode, d.Interval, d.Threshold, d.Target, d.MinGain, d.MaxMoves, d.Cooldown));
        Assert.Equal((0.5, 0.5, false, 1.0, 10, 120), (d.MemWeight, d.CpuWeight, d.WithLocalDisks, d.MemOvercommit, d.SampleInterval, d.Smoothing));
        Assert.Empty(d.Validate());
        Assert.Equal("must be lower than threshold (0.1)", (d with { Target = 0.1 }).Validate()["target"]);
        Assert.Equal("value must have a maximum value of 1000", (d with { MaxMoves = 1001 }).Validate()["max-moves"]);
        Assert.Equal("value must have a minimum value of 10", (d with { Interval = 5 }).Validate()["interval"]);
        Assert.Equal("value must have a minimum value of 1", (d with { MemOvercommit = 0.9 }).Validate()["mem-overcommit"]);
        Assert.True((d with { MemWeight = 0, CpuWeight = 0 }).Validate().ContainsKey("cpu-weight"));
        Assert.True((d with { Mode = "on" }).Validate().ContainsKey("mode"));
    }
}

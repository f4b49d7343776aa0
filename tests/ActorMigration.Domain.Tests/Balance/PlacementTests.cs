using ActorMigration.Domain.Balance;
using ActorMigration.Domain.Ha;
using static ActorMigration.Domain.Tests.Balance.BalanceFixtures;

namespace ActorMigration.Domain.Tests.Balance;

/// <summary>Each hard constraint of <see cref="Placement.Allowed"/>, and the order of <see cref="Placement.Best"/>.</summary>
public class PlacementTests
{
    private static string? Allowed(VmDemand vm, string target, List<NodeCapacity> nodes, IEnumerable<VmDemand>? others = null,
        HaGroup? group = null, AffinityRule[]? rules = null, double overcommit = 1.0)
    {
        var all = (others ?? []).Append(vm).ToList();
        var board = new ScoreBoard(nodes, all, 0.5, 0.5);
        var pr = new PlacementRules(nodes, id => id == vm.VmId ? group : null, rules ?? [], overcommit);
        return Placement.Allowed([vm], target, board, pr, id => all.FirstOrDefault(v => v.VmId == id)?.Node);
    }

    private static readonly List<NodeCapacity> Three = [Node("node1"), Node("node2"), Node("node3")];

    [Fact]
    public void An_ordinary_target_is_allowed() => Assert.Null(Allowed(Vm(100, "node1"), "node2", Three));

    [Fact]
    public void Not_the_source_offline_or_maintenance()
    {
        List<NodeCapacity> nodes = [Node("node1"), Node("node2", online: false), Node("node3", maintenance: true)];
        Assert.Equal("node1 is the source", Allowed(Vm(100, "node1"), "node1", nodes));
        Assert.Equal("node2 is offline", Allowed(Vm(100, "node1"), "node2", nodes));
        Assert.Equal("node3 in maintenance", Allowed(Vm(100, "node1"), "node3", nodes));
        Assert.Equal("node9 is offline", Allowed(Vm(100, "node1"), "node9", nodes));
    }

    [Fact]
    public void Older_version_and_cpu_vendor_of_a_running_vm()
    {
        List<NodeCapacity> nodes = [Node("node1", version: "8.2.4"), Node("node2", version: "8.1"), Node("node3", vendor: "AuthenticAMD")];
        Assert.Equal("node2 runs an older version (8.1)", Allowed(Vm(100, "node1"), "node2", nodes));
        Assert.Equal("node3 has another CPU vendor (AuthenticAMD)", Allowed(Vm(100, "node1"), "node3", nodes));
        Assert.Null(Allowed(Vm(100, "node1", running: false), "node3", nodes));
    }

    [Fact]
    public void Restricted_ha_group_allows_only_its_nodes()
    {
        var g = Group("g", true, ("node1", 0), ("node3", 0));
        Assert.Equal("node2 not in HA group 'g'", Allowed(Vm(100, "node1"), "node2", Three, group: g));
        Assert.Null(Allowed(Vm(100, "node1"), "node3", Three, group: g));
        Assert.Null(Allowed(Vm(100, "node1"), "node2", Three, group: Group("u", false, ("node3", 0))));
    }

    [Fact]
    public void Keep_apart()
    {
        var rule = new AffinityRule("apart", AffinityRule.Negative, [100, 101]);
        Assert.Equal("node2 has VM 101 (rule 'apart')", Allowed(Vm(100, "node1"), "node2", Three, [Vm(101, "node2")], rules: [rule]));
        Assert.Null(Allowed(Vm(100, "node1"), "node3", Three, [Vm(101, "node2")], rules: [rule]));
    }

    [Fact]
    public void Memory_room_counts_configured_memory_and_overcommit()
    {
        var others = new[] { Vm(101, "node2", 60, configGiB: 61) };
        Assert.Equal("node2 has 3.0 GiB free (needs 4.0 GiB)", Allowed(Vm(100, "node1", 1, configGiB: 4), "node2", Three, others));
        Assert.Null(Allowed(Vm(100, "node1", 1, configGiB: 4), "node2", Three, others, overcommit: 1.5));
        Assert.Null(Allowed(Vm(100, "node1", 1, configGiB: 4, running: false), "node2", Three, others));
    }

    [Fact]
    public void Vcpus_above_the_node()
    {
        List<NodeCapacity> nodes = [Node("node1"), Node("node2", cpus: 4)];
        Assert.Equal("node2 has 4 CPUs (needs 8)", Allowed(Vm(100, "node1", vcpus: 8), "node2", nodes));
    }

    [Fact]
    public void Best_prefers_the_group_priority_then_the_score_then_free_memory_then_name()
    {
        List<NodeCapacity> nodes = [Node("node1"), Node("node2"), Node("node3"), Node("node4", maintenance: true)];
        var vms = new List<VmDemand> { Vm(100, "node1"), Vm(101, "node2", 20, 4) };
        var board = new ScoreBoard(nodes, vms, 0.5, 0.5);
        PlacementRules Rules(HaGroup? g) => new(nodes, _ => g, []);
        string? Where(int id) => vms.FirstOrDefault(v => v.VmId == id)?.Node;

        var (best, refusals) = Placement.Best([vms[0]], nodes.Select(n => n.Node), board, Rules(null), Where);
        Assert.Equal("node3", best);
        Assert.Equal(["node4 in maintenance"], refusals);
        Assert.Equal("node2", Placement.Best([vms[0]], ["node2", "node3"], board, Rules(Group("p", false, ("node2", 1))), Where).Node);

        var even = new ScoreBoard([Node("node1"), Node("node2"), Node("node3")], [Vm(100, "node1")], 0.5, 0.5);
        Assert.Equal("node2", Placement.Best([vms[0]], ["node3", "node2"], even, Rules(null), Where).Node);
        var (none, why) = Placement.Best([vms[0]], ["node4"], board, Rules(null), Where);
        Assert.Null(none);
        Assert.Equal(["node4 in maintenance"], why);
    }

    [Fact]
    public void Best_spreads_vms_leaving_a_node_in_maintenance()
    {
        List<NodeCapacity> nodes = [Node("node1"), Node("node2", maintenance: true), Node("node3")];
        var vms = new List<VmDemand> { Vm(100, "node1", 16, 4), Vm(200, "node2", 8, 2), Vm(201, "node2", 8, 2), Vm(202, "node2", 8, 2, running: false) };
        var board = new ScoreBoard(nodes, vms, 0.5, 0.5);
        var rules = new PlacementRules(nodes, _ => null, []);
        string? Where(int id) => vms.First(v => v.VmId == id).Node;
        var placed = new List<string>();
        foreach (var vm in vms.Skip(1))
        {
            var (to, _) = Placement.Best([vm], nodes.Select(n => n.Node), board, rules, Where);
            placed.Add(to!);
            board.Move(vm.Node, to!, vm.Running ? vm.Mem : 0, vm.Running ? vm.Cpu : 0, vm.Running ? vm.ConfigMem : 0);
        }
        // node3 is empty: both running VMs go there (then node1 and node3 are even); the stopped one adds no load or
        // committed memory, so the tie goes to the name.
        Assert.Equal(["node3", "node3", "node1"], placed);
        Assert.Equal((16 * GiB, 16 * GiB), (board.Committed("node1"), board.Committed("node3")));
        Assert.Equal(0, board.Score, 12);
    }
}

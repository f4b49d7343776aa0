using ActorMigration.Domain.Ha;

namespace ActorMigration.Domain.Tests.Ha;

/// <summary>Choosing the node for a recovered resource: group priority, then free memory, then the node's name.</summary>
public sealed class HaPlacementTests
{
    private const long GiB = 1L << 30;

    private static readonly HaCandidate[] Nodes =
        [new("node1", 2 * GiB), new("node2", 8 * GiB), new("node3", 4 * GiB), new("node4", 8 * GiB)];

    private static HaGroup Group(string nodes, bool restricted = false) =>
        new("g", HaNodeList.Parse(nodes).Nodes, restricted, null, null);

    [Fact]
    public void Without_a_group_the_most_free_memory_wins_and_ties_go_to_the_first_name()
    {
        Assert.Equal("node2", HaPlacement.ChooseNode(null, Nodes, "node9"));
        Assert.Equal("node4", HaPlacement.ChooseNode(null, Nodes, "node2"));
        Assert.Null(HaPlacement.ChooseNode(null, [new HaCandidate("node1", GiB)], "node1"));
    }

    [Fact]
    public void The_highest_priority_class_wins_before_free_memory()
    {
        Assert.Equal("node1", HaPlacement.ChooseNode(Group("node1:5,node2:1,node3:5"), [.. Nodes.Skip(0).Take(2)], "node3"));
        Assert.Equal("node3", HaPlacement.ChooseNode(Group("node1:5,node2:1,node3:5"), Nodes, "node9"));
        // The failed node is never chosen, whatever its priority.
        Assert.Equal("node3", HaPlacement.ChooseNode(Group("node1:9,node3:1"), Nodes, "node1"));
    }

    [Fact]
    public void A_restricted_group_allows_only_its_nodes_an_unrestricted_one_falls_back_to_any()
    {
        Assert.Null(HaPlacement.ChooseNode(Group("node1,node5", restricted: true), Nodes, "node1"));
        Assert.Equal("node2", HaPlacement.ChooseNode(Group("node1,node5"), Nodes, "node1"));
        Assert.Equal("node3", HaPlacement.ChooseNode(Group("node3:0", restricted: true), Nodes, "node1"));
    }

    [Fact]
    public void The_resource_overload_looks_its_group_up()
    {
        var config = HaConfigState.Empty with
        {
            Groups = HaConfigState.Empty.Groups.Add("g", Group("node3:2", restricted: true)),
        };
        var resource = new HaResource("vm:100", null, null, null, "g", null);
        Assert.Equal("node3", HaPlacement.ChooseNode(resource, config, Nodes, "node1"));
        Assert.Equal("node2", HaPlacement.ChooseNode(resource with { Group = null }, config, Nodes, "node1"));
    }
}

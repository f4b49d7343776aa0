using ActorMigration.Actors.Cluster;
using ActorMigration.Api.Setup;

namespace ActorMigration.Api.Tests.Setup;

/// <summary>AM_NODE_&lt;NODE&gt;_VM_NETNS: the namespace a node's QEMU runs in (taps on its bridges); unset: none.</summary>
public class VmNetnsSettingsTests
{
    [Fact]
    public void Vm_namespace_is_read_per_node_and_reaches_the_node_settings()
    {
        var s = ServerSettings.Load([], new Dictionary<string, string?>
        {
            ["AM_NODES"] = "node1,node2",
            ["AM_NODE_NODE1_VM_NETNS"] = "ns1",
            ["AM_NODE_NODE1_NETNS"] = "host1",
        });
        Assert.Equal("ns1", s.Overrides["node1"].VmNetns);
        Assert.Equal("host1", s.Overrides["node1"].Netns);
        Assert.Null(s.Overrides["node2"].VmNetns);
        var topology = new ClusterTopology(["node1", "node2"], ["node1", "node2"], new([]), "/tmp/x", s.Overrides);
        Assert.Equal("ns1", topology.SettingsFor("node1").VmNetns);
        Assert.Null(topology.SettingsFor("node2").VmNetns);
    }
}

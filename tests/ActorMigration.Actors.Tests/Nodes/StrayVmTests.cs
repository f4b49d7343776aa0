using ActorMigration.Actors.Nodes;
using ActorMigration.Actors.Tests.Support;
using ActorMigration.Domain.Cluster;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Domain.Vms;
using ActorMigration.Drivers.Simulated;
using Akka.Actor;

namespace ActorMigration.Actors.Tests.Nodes;

/// <summary>
/// A node re-adopts its VMs when its actor starts (after its member restarted): an incoming VM whose record is on another
/// node is stopped, never resumed; one whose record is here stays.
/// </summary>
public sealed class StrayVmTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly SimulationOptions Options = new();
    private readonly SimCluster _cluster;

    public StrayVmTests() => _cluster = new SimCluster(Sys, Options);

    public new void Dispose()
    {
        base.Dispose();
        _cluster.Dispose();
    }

    private static VmLaunchSpec Incoming(int vmid) =>
        new(vmid, $"vm{vmid}", 512, 1, 1, null, null, null, [], [], Incoming: new IncomingSpec("127.0.0.1", []), Tag: $"UPID:node1:{vmid}:qmigrate");

    [Fact]
    public async Task An_incoming_vm_and_volumes_whose_record_is_elsewhere_are_removed_when_their_node_starts()
    {
        // Left behind by a member that died (the processes outlive it): two incoming VMs on node2, and their volumes.
        var driver = new SimulatedNodeDriverFactory(Options).Create(_cluster.Topology.SettingsFor("node2"));
        var node2 = driver.Hypervisor;
        await node2.StartAsync(Incoming(100));
        await node2.StartAsync(Incoming(101));
        await driver.Storage.CreateAsync("local:100/vm-100-disk-0.raw", "raw", 1 << 20);
        await driver.Storage.CreateAsync("local:101/vm-101-disk-0.raw", "raw", 1 << 20);
        Assert.True((await _cluster.Vms.Ask<VmReply>(new CreateVm(100, "node1", "memory: 512\n"))).Ok);
        Assert.True((await _cluster.Vms.Ask<VmReply>(new CreateVm(101, "node2", "memory: 512\n"))).Ok);

        var facts = await _cluster.Nodes.Ask<NodeFacts>(new GetNodeFacts("node2"), TimeSpan.FromSeconds(10));
        Assert.Equal("node2", facts.Node);

        await AwaitAssertAsync(async () => Assert.Equal(VmRunState.Stopped, (await node2.GetAsync(100)).State), TimeSpan.FromSeconds(10));
        Assert.Equal(VmRunState.InMigrate, (await node2.GetAsync(101)).State);
        await AwaitAssertAsync(async () => Assert.Equal(["local:101/vm-101-disk-0.raw"],
            (await driver.Storage.ListAsync("local")).Select(v => v.VolId)), TimeSpan.FromSeconds(10));
    }
}
